# Turns ansible_module_names.txt (written by scripts/gen-ansible-module-names)
# into a C++ header at build time, so `tend` carries the names Ansible knows.
file(READ "${INPUT}" text)
file(WRITE "${OUTPUT}.tmp" "// Generated from controller/playbook/ansible_module_names.txt; do not edit.\n#pragma once\nnamespace tend {\ninline constexpr char kAnsibleModuleNames[] = R\"tendnames(${text})tendnames\";\n}  // namespace tend\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
