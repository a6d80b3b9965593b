# Build profiles-builtin.c from profiles/*.profile: each file's text as a
# C string, named after the file (make, from Makefile.am).
BEGIN {
    print "/* Generated from the files profiles/NAME.profile by profiles/embed.awk: do not edit. */"
    print "#include \"config.h\""
    print ""
    print "#include \"profile.h\""
    print ""
    print "const struct builtin_profile builtin_profiles[] = {"
}
FNR == 1 {
    if (NR > 1)
        print "  },"
    name = FILENAME
    sub(/.*\//, "", name)
    sub(/\.profile$/, "", name)
    printf "  { \"%s\",\n", name
}
# Character by character: awks differ on backslashes in gsub's replacement.
{
    out = ""
    for (i = 1; i <= length($0); i++) {
        c = substr($0, i, 1)
        if (c == "\\" || c == "\"")
            out = out "\\" c
        else if (c == "\t")
            out = out "\\t"
        else
            out = out c
    }
    printf "    \"%s\\n\"\n", out
}
END {
    if (NR > 0)
        print "  },"
    print "};"
    print ""
    print "const size_t builtin_profiles_len = sizeof builtin_profiles / sizeof builtin_profiles[0];"
}
