#!/bin/sh
# An inventory script with _meta, as `--list` prints it.
if [ "$1" = "--list" ]; then
cat <<'JSON'
{
  "web": {"hosts": ["w1", "w2"], "vars": {"http_port": 80}},
  "db": ["d1"],
  "prod": {"children": ["web", "db"], "vars": {"env": "prod"}},
  "_meta": {"hostvars": {"w1": {"ansible_host": "10.0.0.1"}, "d1": {"role": "primary"}}}
}
JSON
else
  echo '{}'
fi
