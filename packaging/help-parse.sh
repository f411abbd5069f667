# Parsers for CLI11's --help layout, shared by gen-manpages and gen-completion
# (sourced, not run). CLI11 prints sections headed "Name:" at column 0 with
# entries indented two spaces, the entry's names and the description separated
# by at least two spaces:
#   Options:
#     -i,--inventory TEXT ...     Inventory file or directory
#     --check                     Do not change anything
#   Subcommands:
#     play                        Run playbooks against an inventory
# Both read one help text on stdin.

# Prints "name<TAB>summary" for each entry of the Subcommands section.
HelpSubcommands() {
  awk '
    /^[^ ].*:$/ { in_subs = ($0 == "Subcommands:"); next }
    /^$/ { in_subs = 0; next }
    in_subs && /^  [^ -]/ {
      line = substr($0, 3)
      name = line; sub(/ .*/, "", name)
      summary = substr(line, length(name) + 1); sub(/^ +/, "", summary)
      print name "\t" summary
    }'
}

# Prints "spelling<TAB>1" for each option spelling that takes a value and
# "spelling<TAB>0" for each flag, from every section except Subcommands and
# Positionals. A value shows as an upper-case type after the names (TEXT, INT,
# TEXT:FILE, TEXT:{a,b}, [TEXT]); REQUIRED and constraint words such as "Excludes:" are not values.
HelpOptions() {
  awk '
    /^[^ ].*:$/ { in_opts = ($0 != "Subcommands:" && $0 != "Positionals:"); next }
    in_opts && /^  +-/ {
      line = $0; sub(/^ +/, "", line); sub(/  .*/, "", line)
      n = split(line, words, " ")
      takes = (n >= 2 && words[2] ~ /^\[?[A-Z][A-Z0-9_]*([:[\]].*)?$/ && words[2] != "REQUIRED")
      count = split(words[1], names, ",")
      for (i = 1; i <= count; i++) if (names[i] ~ /^-/) print names[i] "\t" takes
    }'
}
