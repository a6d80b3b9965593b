# fish completion for hutch(1).
#
# The options are not listed here: they come from the program being
# completed (hutch --list-options prints its option table: name, value
# names, help), so this file never goes stale.  What a value is (a path, a
# capability, a system-call group...) follows from its name in the table.

# The option table of the program on the command line, cached per program.
function __hutch_table
    set -l prog (commandline -opc)[1]
    test -n "$prog"; or set prog hutch
    set -l var __hutch_table_(string escape --style=var -- $prog)
    if not set -q $var
        set -l table (command $prog --list-options 2>/dev/null)
        if test -z "$table"
            # A bwrap without --list-options: read its --help instead.
            set table (command $prog --help 2>/dev/null | string match -r '^    --\S+.*' | while read -l l
                set -l w (string split -n ' ' -- (string trim -- $l))
                set -l vals
                for x in $w[2..-1]
                    string match -qr '^[A-Z][A-Z0-9_=:\[\]]*$' -- $x; or break
                    set -a vals $x
                end
                printf '%s\t%s\t\n' $w[1] "$vals"
            end)
        end
        set -g $var $table
    end
    printf '%s\n' $$var
end

# Where the cursor is: "option", "command", "args", or "value KIND".
function __hutch_position
    set -l tokens (commandline -opc)
    set -l table (__hutch_table)
    set -l i 2
    set -l n (count $tokens)
    while test $i -le $n
        set -l w $tokens[$i]
        if test "$w" = --
            if test $i -eq $n
                echo command
            else
                echo args
            end
            return
        end
        if not string match -q -- '-*' $w
            echo args
            return
        end
        set -l vals
        for row in $table
            set -l f (string split \t -- $row)
            if test "$f[1]" = "$w"
                set vals (string split -n ' ' -- $f[2])
                break
            end
        end
        set -l nv (count $vals)
        if test (math $i + $nv) -gt $n
            # On value number n-i+1 of option $w.
            echo value (__hutch_kind $w $vals[(math $n - $i + 1)])
            return
        end
        set i (math $i + $nv + 1)
    end
    echo option
end

# What value NAME of OPTION is.
function __hutch_kind -a option name
    switch $option
        case --preset
            echo preset
        case --profile
            echo profile
        case --cwd-bind
            echo cwdmode
        case --seccomp-policy
            echo policy
        case --seccomp-errno
            echo errno
        case --seccomp-deny
            echo seccomp
        case --rlimit
            echo rlimit
        case --enter --stop
            echo instance
        case '*'
            switch $name
                case SRC DEST RWSRC WORKDIR PATH FILE
                    echo file
                case DIR
                    echo dir
                case CAP
                    echo cap
                case VAR
                    echo var
                case '*'
                    echo none
            end
    end
end

function __hutch_at -a what
    test (__hutch_position) = "$what"
end

function __hutch_options
    for row in (__hutch_table)
        set -l f (string split \t -- $row)
        printf '%s\t%s\n' $f[1] $f[3]
    end
end

function __hutch_capabilities
    printf '%s\n' ALL CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID \
        CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE \
        CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE \
        CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT \
        CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE \
        CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG \
        CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE
end

# --seccomp-deny takes a comma-separated list: complete its last element.
function __hutch_seccomp_list
    set -l cur (commandline -ct)
    set -l head (string replace -r '[^,]*$' '' -- $cur)
    for g in @clock @cpu-emulation @debug @io-uring @keyring @module @mount @namespaces \
            @obsolete @privileged @raw-io @reboot @swap
        echo $head$g
    end
end

function __hutch_presets
    set -l prog (commandline -opc)[1]
    command $prog --preset list 2>/dev/null | string match -r '^[a-z][a-z0-9-]*(?=:)'
    echo list
end

# The names of the caller's running sandboxes (--list's first column).
function __hutch_instances
    set -l prog (commandline -opc)[1]
    command $prog --list 2>/dev/null | awk 'NR > 1 && $1 != "-" { print $1 }'
end

# The command's own completions for its arguments.
function __hutch_command_args
    set -l tokens (commandline -opc)
    set -l table (__hutch_table)
    set -l i 2
    while test $i -le (count $tokens)
        set -l w $tokens[$i]
        if test "$w" = --
            set i (math $i + 1)
            break
        end
        string match -q -- '-*' $w; or break
        set -l nv 0
        for row in $table
            set -l f (string split \t -- $row)
            if test "$f[1]" = "$w"
                set nv (count (string split -n ' ' -- $f[2]))
                break
            end
        end
        set i (math $i + $nv + 1)
    end
    complete -C (string join ' ' -- (string escape -- $tokens[$i..-1]) (commandline -ct))
end

complete -c hutch -f
complete -c hutch -n '__hutch_at option' -a '(__hutch_options)'
complete -c hutch -n '__hutch_at option; and not string match -q -- "-*" (commandline -ct)' \
    -a '(__fish_complete_command)'
complete -c hutch -n '__hutch_at command' -a '(__fish_complete_command)'
complete -c hutch -n '__hutch_at args' -a '(__hutch_command_args)'
complete -c hutch -n '__hutch_at "value file"' -F
complete -c hutch -n '__hutch_at "value dir"' -a '(__fish_complete_directories (commandline -ct))'
function __hutch_profiles
    set -l prog (commandline -opc)[1]
    command $prog --profile list 2>/dev/null | string replace -r '\t.*' '' | sort -u
    echo list
end

complete -c hutch -n '__hutch_at "value profile"' -a '(__hutch_profiles)'
complete -c hutch -n '__hutch_at "value cwdmode"' -a 'ro rw'
complete -c hutch -n '__hutch_at "value cap"' -a '(__hutch_capabilities)'
complete -c hutch -n '__hutch_at "value seccomp"' -a '(__hutch_seccomp_list)'
complete -c hutch -n '__hutch_at "value errno"' \
    -a 'EPERM EACCES ENOSYS EINVAL ENOENT EIO EAGAIN EBUSY EEXIST ENOMEM EROFS EOPNOTSUPP EAFNOSUPPORT'
complete -c hutch -n '__hutch_at "value policy"' -a default
complete -c hutch -n '__hutch_at "value preset"' -a '(__hutch_presets)'
complete -c hutch -n '__hutch_at "value rlimit"' \
    -a 'as= core= cpu= data= fsize= memlock= msgqueue= nice= nofile= nproc= rss= rtprio= rttime= sigpending= stack='
complete -c hutch -n '__hutch_at "value var"' -a '(set -xn)'
complete -c hutch -n '__hutch_at "value instance"' -a '(__hutch_instances)'
