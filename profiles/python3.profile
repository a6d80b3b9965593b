# python3: Debian's Python on a script of the current directory (writable); no network, nothing else of HOME

--preset build
# The user's site-packages and PYTHON* of the caller's environment stay out.
--setenv PYTHONNOUSERSITE 1
--unsetenv PYTHONPATH
--unsetenv PYTHONSTARTUP
--unsetenv PYTHONHOME

-- /usr/bin/python3
