"""nfs_server's exports file and shared_volume's NFS mount/volume options, rendered by the roles' own
templates and variables (this machine's kernel has neither nfsd nor an NFS client, so nothing is
served or mounted here: see roles/nfs_server/README.md for the VM kernel scenario)."""

import json

import pytest

from conftest import ROOT
from role_playbook import run_playbook  # pylint: disable=import-error

EXPORTS = [
    {"path": "/srv/nfs/database_live", "clients": [
        {"host": "192.168.10.0/24", "options": ["rw"]},
        {"host": "backup.example.org"},
        {"host": "2001:db8::/64", "options": ["async", "insecure"]},
    ]},
    {"path": "/srv/nfs/open", "force": True, "force_reason": "public mirror, read-only",
     "clients": [{"host": "*", "options": ["all_squash"]}]},
]

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Load nfs_server's defaults and variables
      ansible.builtin.include_vars:
        file: "{{ item }}"
      loop:
        - "{{ role_root }}/nfs_server/defaults/main.yml"
        - "{{ role_root }}/nfs_server/vars/main.yml"
    - name: The exports under test (over the role's default [])
      ansible.builtin.set_fact:
        nfs_server_exports: "{{ exports }}"
    - name: Render the exports with the role's template
      ansible.builtin.template:
        src: "{{ role_root }}/nfs_server/templates/labforge.exports.j2"
        dest: "{{ out_dir }}/labforge.exports"
        mode: "0644"
    - name: Shared volume variables
      ansible.builtin.include_role:
        name: labforge.virt.shared_volume
        tasks_from: preflight.yml
        public: true
    - name: Record the NFS options
      ansible.builtin.copy:
        content: "{{ {'mount': __shared_volume_nfs_options, 'volume': __shared_volume_nfs_volume_options,
                      'source': __shared_volume_nfs_source, 'container': __shared_volume_container} | to_json }}"
        dest: "{{ out_dir }}/nfs.json"
        mode: "0644"
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nfs")
    inventory = json.dumps({"all": {"hosts": {"dock-a": {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "role_root": ROOT + "/roles",
        "out_dir": str(tmp),
        "exports": EXPORTS,
        "shared_volume_name": "database_live",
        "shared_volume_container_path": "/opt/database/live",
        "shared_volume_backend": "nfs",
        "shared_volume_nfs_server": "nfs01.lab.example.com",
        "shared_volume_nfs_export": "/srv/nfs/database_live",
        "shared_volume_read_only": True,
    }}}})
    proc = run_playbook(tmp, PLAY, inventory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"exports": (tmp / "labforge.exports").read_text(), "nfs": json.loads((tmp / "nfs.json").read_text())}


def test_exports_lines(rendered):
    lines = [line for line in rendered["exports"].splitlines() if line and not line.startswith("#")]
    assert lines == [
        "/srv/nfs/database_live 192.168.10.0/24(rw,root_squash,sync,no_subtree_check)"
        " backup.example.org(ro,root_squash,sync,no_subtree_check)"
        " 2001:db8::/64(async,insecure,ro,root_squash,no_subtree_check)",
        "/srv/nfs/open *(all_squash,ro,root_squash,sync,no_subtree_check)",
    ]


def test_exports_header_and_forced_reason(rendered):
    text = rendered["exports"]
    assert text.startswith("#")
    assert "Ansible managed" in text.splitlines()[0] or "Ansible managed" in text
    assert "# FORCED: public mirror, read-only\n/srv/nfs/open " in text


def test_nfs_mount_options_are_bounded(rendered):
    opts = rendered["nfs"]["mount"]
    assert opts[:2] == ["ro", "nfsvers=4.2"]
    assert "soft" in opts and "hard" not in opts
    assert {"timeo=100", "retrans=3", "retry=1", "_netdev", "nofail", "x-systemd.mount-timeout=30s"} <= set(opts)
    assert rendered["nfs"]["source"] == "nfs01.lab.example.com:/srv/nfs/database_live"


def test_infrastructure_container_named_after_the_path(rendered):
    assert rendered["nfs"]["container"] == "nfs_client_opt_database_live"


def test_docker_volume_options_drop_userspace_only_ones(rendered):
    vol = rendered["nfs"]["volume"]
    assert vol["type"] == "nfs"
    assert vol["device"] == ":/srv/nfs/database_live"
    assert vol["o"] == "addr=nfs01.lab.example.com,ro,nfsvers=4.2,soft,timeo=100,retrans=3"
