# Turns bootstrap.yml into a C++ header at build time, so the `tend` binary
# carries its playbook and cannot run a different one by accident.
file(READ "${INPUT}" text)
file(WRITE "${OUTPUT}.tmp" "// Generated from controller/bootstrap/bootstrap.yml; do not edit.\n#pragma once\nnamespace tend {\ninline constexpr char kBootstrapPlaybook[] = R\"tendyaml(${text})tendyaml\";\n}  // namespace tend\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
