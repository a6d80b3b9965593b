# pdftotext: text from an untrusted PDF of the current directory, written next to it; no network, nothing else of HOME

--preset build

-- /usr/bin/pdftotext
