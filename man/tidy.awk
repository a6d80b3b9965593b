# Tidy scdoc's roff for mandoc -Tlint: scdoc puts a paragraph macro after
# every heading and before every .RE, where the paragraph would be empty.
# Drop a .P that directly follows .TH/.SH/.SS/.P, or that directly precedes
# .SH/.SS/.RE/.P or the end; the space it stood for before a .RE moves after
# the .RE (between two option entries).
{ line[NR] = $0 }
END {
  n = 0
  for (i = 1; i <= NR; i++) {
    l = line[i]
    if (l == ".P" && line[i + 1] == ".RE") {
      line[i] = ".RE"; line[i + 1] = ".P"; l = line[i]
    }
    if (l == ".P") {
      prev = n > 0 ? out[n] : ""
      next_ = i < NR ? line[i + 1] : ""
      if (prev ~ /^\.(TH|SH|SS|P)( |$)/ || next_ ~ /^\.(SH|SS|RE|P)( |$)/ || i == NR)
        continue
    }
    out[++n] = l
  }
  for (i = 1; i <= n; i++) print out[i]
}
