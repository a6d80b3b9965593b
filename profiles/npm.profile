# npm: npm in the current project (writable), offline: packages from local tarballs or directories; HOME empty (its cache is thrown away)

--preset build
--setenv npm_config_offline true
--setenv npm_config_audit false
--setenv npm_config_fund false
--setenv npm_config_update_notifier false
--unsetenv NODE_OPTIONS

-- /usr/bin/npm
