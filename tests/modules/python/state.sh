# The end state the modules in modules.yml leave, printed the same way on
# every host (python_lab_test compares a tend host with an ansible-playbook one).
cd /srv/pyt 2>/dev/null || { echo "no /srv/pyt"; exit 0; }
# pamd stamps the file with the time it ran.
for f in known_hosts pam.d/tendtest crypttab interfaces made; do
  echo "== $f"; grep -v '^# Updated by Ansible - ' "$f" 2>/dev/null
done
echo "== limits"; grep tendtest /etc/security/limits.conf
echo "== sudoers"; cat /etc/sudoers.d/tendtest 2>/dev/null
echo "== alternatives"; update-alternatives --query tendtest 2>/dev/null | grep -E '^(Link|Value|Best|Alternative|Priority)'
echo "== archive"; tar -tzf data.tgz 2>/dev/null | sort
echo "== acl"; getfacl -c data/a.txt 2>/dev/null
echo "== blob"; stat -c %s blob 2>/dev/null
echo "== keypair"; test -s id_test && test -s id_test.pub && echo present
