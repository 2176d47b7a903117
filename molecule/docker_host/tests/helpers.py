"""Run a playbook from this directory against the instance under test (controller side)."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def ansible_playbook(host, playbook, *args):
    name = host.backend.get_hostname()
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(PROJECT, ".build", "collections"))
    env.update({"ANSIBLE_PIPELINING": "1", "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                "ANSIBLE_CONFIG": os.path.join(PROJECT, "ansible.cfg")})
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", name + ",",
           "-c", "community.docker.docker", os.path.join(HERE, playbook)] + list(args)
    return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=600, check=False)
