"""databases scenario: the db2 and oracle_xe roles on a Docker host, checked on the real engine.

The containers run labforge/db-double:SUITE (a test double printing the real images' ready
lines), so what is verified is the container definitions, the data directories, the registry
build path and the roles' refusal and readiness logic, not Db2 or Oracle themselves.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import pytest
import yaml

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
ROOT = SCENARIO.parents[1]
SUITE = os.environ["LABFORGE_SUITE"]  # set by .config/molecule/config.yml
# The test values of molecule.yml: none may ever show up in Ansible's output.
SECRETS = ["Lab-Db2-test-4711", "Lab-Sys-test-4711", "Lab-App-test-4711", "Lab-Push-test-4711"]
DB2_SYSCTLS = {
    "kernel.shmmni": "4096",
    "kernel.shmmax": "17179869184",
    "kernel.shmall": "8388608",
    "kernel.sem": "250 256000 32 4096",
    "kernel.msgmni": "16384",
    "kernel.msgmax": "65536",
    "kernel.msgmnb": "65536",
}
CAP_BITS = {"IPC_LOCK": 14, "IPC_OWNER": 15, "SYS_ADMIN": 21, "SYS_NICE": 23}


def inspect(host, name):
    return json.loads(host.check_output("docker inspect %s" % name))[0]


def env_of(container):
    return dict(item.split("=", 1) for item in container["Config"]["Env"])


# --- Db2 -------------------------------------------------------------------------------


def test_db2_runs_without_privileged_with_ipc_capabilities(host):
    c = inspect(host, "db2")
    hc = c["HostConfig"]
    assert hc["Privileged"] is False
    assert sorted(hc["CapAdd"]) == ["IPC_LOCK", "IPC_OWNER", "SYS_NICE"]
    assert hc["SecurityOpt"] == ["no-new-privileges=false"]
    capeff = host.check_output("docker exec db2 grep CapEff /proc/1/status").split()[1]
    bits = int(capeff, 16)
    for cap in ("IPC_LOCK", "IPC_OWNER", "SYS_NICE"):
        assert bits & (1 << CAP_BITS[cap]), cap
    assert not bits & (1 << CAP_BITS["SYS_ADMIN"])


def test_db2_ipc_sysctls_are_set_in_the_container_only(host):
    hc = inspect(host, "db2")["HostConfig"]
    assert hc["Sysctls"] == DB2_SYSCTLS
    for key, value in DB2_SYSCTLS.items():
        path = "/proc/sys/" + key.replace(".", "/")
        inside = host.check_output("docker exec db2 cat %s" % path)
        assert inside.split() == value.split(), key
    # The IPC namespace keeps them away from the Docker host.
    assert host.file("/proc/sys/kernel/msgmni").content_string.strip() != DB2_SYSCTLS["kernel.msgmni"]


def test_db2_ports_volume_restart_and_image(host):
    c = inspect(host, "db2")
    hc = c["HostConfig"]
    assert hc["PortBindings"] == {"50000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "50000"}]}
    assert sorted(hc["Binds"]) == sorted(["/srv/db2/data:/database:rw", "/etc/labforge/db2/db2:/run/secrets/labforge:ro"])
    assert hc["RestartPolicy"]["Name"] == "unless-stopped"
    assert c["Config"]["Image"] == "localhost:5000/labforge/db2-double:test"
    assert host.socket("tcp://0.0.0.0:50000").is_listening
    data = host.file("/srv/db2/data")
    assert data.is_directory and data.uid == 0 and data.mode == 0o755


def test_db2_environment_keys_without_the_password(host):
    c = inspect(host, "db2")
    env = env_of(c)
    assert env["LICENSE"] == "accept"
    assert env["DB2INSTANCE"] == "db2inst1"
    assert env["DBNAME"] == "testdb"
    # Db2 reads the password from DB2INST1_PASSWORD only: the built image's entrypoint wrapper exports it
    # from the mounted file, so the container's configuration does not hold it.
    assert "DB2INST1_PASSWORD" not in env
    assert not any(secret in json.dumps(c) for secret in SECRETS)
    assert c["Config"]["Entrypoint"] == ["/usr/local/bin/labforge-secret-env", "/usr/local/bin/db2-double.sh"]


def test_db2_password_file_reaches_the_entrypoint(host):
    directory = host.file("/etc/labforge/db2/db2")
    assert directory.uid == 0 and directory.mode == 0o500
    secret = host.file("/etc/labforge/db2/db2/db2inst1_password")
    assert secret.uid == 0 and secret.gid == 0 and secret.mode == 0o400
    assert secret.content_string == SECRETS[0]
    # The entrypoint (pid 1, exec'd by the wrapper) has the password in its environment; the double
    # would have stopped with "DB2INST1_PASSWORD is not set" otherwise (test_db2_was_ready).
    environ = host.check_output("docker exec db2 cat /proc/1/environ").split("\x00")
    assert "DB2INST1_PASSWORD=" + SECRETS[0] in environ
    wrapper = host.check_output("docker exec db2 cat /usr/local/bin/labforge-secret-env")
    assert 'DB2INST1_PASSWORD="$(cat /run/secrets/labforge/db2inst1_password)"' in wrapper
    assert SECRETS[0] not in wrapper
    assert "Lab-" not in host.file("/var/lib/labforge/build/db2/Dockerfile").content_string


def test_db2_from_a_published_image_gets_the_password_from_the_file(host):
    # The published image reads DB2INST1_PASSWORD from its environment only: the role mounts its
    # wrapper beside the password file and puts it in front of the image's own entrypoint.
    c = inspect(host, "db2pub")
    assert "DB2INST1_PASSWORD" not in env_of(c)
    assert not any(secret in json.dumps(c) for secret in SECRETS)
    image = inspect(host, "labforge/db-double:%s" % SUITE)["Config"]
    assert c["Config"]["Entrypoint"] == ["/run/secrets/labforge/labforge-secret-env"] + image["Entrypoint"]
    assert host.file("/etc/labforge/db2/db2pub/labforge-secret-env").mode == 0o500
    environ = host.check_output("docker exec db2pub cat /proc/1/environ").split("\x00")
    assert "DB2INST1_PASSWORD=" + SECRETS[0] in environ
    assert c["State"]["Running"] and c["State"]["Health"]["Status"] == "healthy"


def test_db2_image_was_built_and_pushed_to_the_registry(host):
    dockerfile = host.file("/var/lib/labforge/build/db2/Dockerfile")
    assert dockerfile.mode == 0o600
    text = dockerfile.content_string
    assert "Ansible managed" in text
    assert f"FROM labforge/tiny:{SUITE}" in text
    assert "RUN /bin/busybox --install -s /bin" in text
    assert 'ENTRYPOINT ["/usr/local/bin/labforge-secret-env", "/usr/local/bin/db2-double.sh"]' in text
    tags = host.check_output(
        "python3 -c \"import base64,urllib.request as u; r=u.Request('http://127.0.0.1:5000/v2/labforge/db2-double/tags/list');"
        " r.add_header('Authorization','Basic '+base64.b64encode(b'labpush:%s').decode()); print(u.urlopen(r).read().decode())\""
        % SECRETS[3]
    )
    assert json.loads(tags)["tags"] == ["test"]
    # Without credentials the registry refuses: the push really went through docker login.
    anonymous = host.run("python3 -c \"import urllib.request as u; u.urlopen('http://127.0.0.1:5000/v2/_catalog')\"")
    assert anonymous.rc != 0 and "401" in anonymous.stderr


def test_db2_was_ready(host):
    logs = host.check_output("docker logs db2")
    assert "built from the test installer" in logs
    assert "(*) Setup has completed." in logs
    assert "O_DIRECT write in /database ok" in logs


# --- Oracle XE ---------------------------------------------------------------------------


def test_oracle_container_has_shm_and_no_extra_privilege(host):
    c = inspect(host, "oracle-xe")
    hc = c["HostConfig"]
    assert hc["Privileged"] is False
    assert not hc["CapAdd"]
    assert hc["ShmSize"] == 1024 ** 3
    assert hc["SecurityOpt"] == ["no-new-privileges=true"]
    assert hc["PortBindings"] == {"1521/tcp": [{"HostIp": "0.0.0.0", "HostPort": "1521"}]}
    assert hc["RestartPolicy"]["Name"] == "unless-stopped"
    assert sorted(hc["Binds"]) == sorted([
        "/srv/oracle_xe/oradata:/opt/oracle/oradata:rw",
        "/etc/labforge/oracle_xe/oracle-xe:/run/secrets/labforge:ro",
    ])
    assert "1.0G" in host.check_output("docker exec oracle-xe df -h /dev/shm")
    assert host.socket("tcp://0.0.0.0:1521").is_listening


def test_oracle_passwords_are_files_not_environment(host):
    env = env_of(inspect(host, "oracle-xe"))
    assert env["ORACLE_PASSWORD_FILE"] == "/run/secrets/labforge/oracle_password"
    assert env["APP_USER"] == "labapp"
    assert env["APP_USER_PASSWORD_FILE"] == "/run/secrets/labforge/app_user_password"
    assert "ORACLE_PASSWORD" not in env and "APP_USER_PASSWORD" not in env
    assert not any(secret in value for value in env.values() for secret in SECRETS)
    secrets = host.file("/etc/labforge/oracle_xe/oracle-xe")
    assert secrets.uid == 54321 and secrets.mode == 0o500
    for name in ("oracle_password", "app_user_password"):
        f = host.file("/etc/labforge/oracle_xe/oracle-xe/" + name)
        assert f.uid == 54321 and f.gid == 54321 and f.mode == 0o400


def test_oracle_data_owned_by_54321_and_written_by_it(host):
    data = host.file("/srv/oracle_xe/oradata")
    assert data.uid == 54321 and data.gid == 54321 and data.mode == 0o750
    logs = host.check_output("docker logs oracle-xe")
    assert "uid=54321" in logs
    assert "O_DIRECT write in /opt/oracle/oradata ok" in logs
    assert "DATABASE IS READY TO USE!" in logs


def test_no_sshd_and_no_port_22(host):
    for name in ("db2", "oracle-xe"):
        c = inspect(host, name)
        assert "22/tcp" not in (c["HostConfig"]["PortBindings"] or {})
        commands = host.check_output("docker exec %s sh -c 'cat /proc/[0-9]*/comm'" % name).split()
        assert commands and "sshd" not in commands


def test_connection_facts(host):
    facts = json.loads(host.file("/root/databases-connections.json").content_string)
    assert facts["db2"] == {
        "host": "databases-docker", "port": 50000, "database": "testdb", "user": "db2inst1",
        "instance": "db2inst1", "container": "db2", "image": "localhost:5000/labforge/db2-double:test",
        "jdbc_url": "jdbc:db2://databases-docker:50000/testdb",
    }
    assert facts["oracle_xe"]["port"] == 1521
    assert facts["oracle_xe"]["service_name"] == "XEPDB1"
    assert facts["oracle_xe"]["user"] == "labapp"
    assert facts["oracle_xe"]["jdbc_url"] == "jdbc:oracle:thin:@//databases-docker:1521/XEPDB1"


# --- Healthchecks ------------------------------------------------------------------------


@pytest.mark.parametrize("name,test", [
    ("db2", ["CMD-SHELL", "su - db2inst1 -c 'db2 connect to testdb >/dev/null && db2 terminate >/dev/null'"]),
    ("oracle-xe", ["CMD", "healthcheck.sh"]),
])
def test_containers_have_the_healthcheck_and_are_healthy(host, name, test):
    """The roles' default commands (the doubles answer them once ready), and readiness waited for healthy."""
    c = inspect(host, name)
    assert c["Config"]["Healthcheck"]["Test"] == test
    assert c["Config"]["Healthcheck"]["Interval"] == 2 * 10 ** 9  # converge.yml's timing
    assert c["State"]["Health"]["Status"] == "healthy"
    assert c["State"]["Health"]["Log"][-1]["ExitCode"] == 0


def test_db2_healthcheck_connects_as_the_instance_user(host):
    run = host.run("docker exec db2 su - db2inst1 -c 'db2 connect to testdb'")
    assert run.rc == 0 and "testdb as db2inst1" in run.stdout
    # A database that is not there does not pass.
    assert host.run("docker exec db2 su - db2inst1 -c 'db2 connect to otherdb'").rc != 0


# --- Refusals, readiness timeout, secrets in output ------------------------------------


def ansible_playbook(*args, **extra_env):
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE") or os.path.join(
        os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")
    env = dict(os.environ, MOLECULE_PROJECT_DIRECTORY=str(ROOT), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               **extra_env)
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.run([playbook, "-i", inventory] + list(args),
                          env=env, capture_output=True, text=True, timeout=600, check=False)


def test_check_mode_with_diff_changes_nothing_and_shows_no_secret():
    """--check --diff on the converged host: only the registry push, which community.docker's
    docker_image always reports as a change in check mode, and no password in the diff."""
    run = ansible_playbook("--check", "--diff", str(SCENARIO / "converge.yml"))
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert re.search(r"databases-docker\s+: ok=\d+\s+changed=1\s", output), output[-2000:]
    changed = re.findall(r"TASK \[([^\]]+)\][^\n]*\n(?:[^\n]*\n)?changed:", output)
    assert changed == ["labforge.virt.database_common : Build, tag and push the image"], changed
    for secret in SECRETS:
        assert secret not in output


@pytest.fixture(scope="module")
def refusals():
    """Run refusals.yml once (ansible-playbook -v) and return (results, combined output)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = out.name
    run = ansible_playbook("-v", str(SCENARIO / "refusals.yml"), DATABASES_REFUSALS_OUT=out_path)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    with open(out_path) as handle:
        results = json.load(handle)
    os.unlink(out_path)
    return results, output


WEAK = {
    "db2-weak-oracle": "db2_password is a well-known default",
    "db2-short": "db2_password is shorter than 8 characters",
    "db2-equals-user": "db2_password equals the user name labinst1",
    "db2-placeholder": "db2_password is a placeholder",
    "oracle-placeholder": "oracle_xe_password is a placeholder",
    "db2-no-password": "db2_password is not set",
    "oracle-weak-oracle": "oracle_xe_password is a well-known default",
    "oracle-weak-admin": "oracle_xe_app_user_password is a well-known default",
}


@pytest.mark.parametrize("case", sorted(WEAK))
def test_weak_or_missing_passwords_are_refused(refusals, case):
    result = refusals[0][case]
    assert result["refused"] is True
    assert result["task"] in ("Refuse a missing or weak password", "Refuse missing or weak passwords")
    assert WEAK[case] in result["msg"]


@pytest.mark.parametrize("case,task,words", [
    ("db2-sys-module", "Check the capabilities against the allowlist",
     "db2_capabilities: SYS_MODULE is not allowed (allowed: IPC_LOCK, IPC_OWNER, SYS_NICE, SYS_RESOURCE)"),
    ("oracle-sys-ptrace", "Check the capabilities against the allowlist",
     "oracle_xe_capabilities: SYS_PTRACE is not allowed (allowed: IPC_LOCK, IPC_OWNER, SYS_NICE)"),
    ("db2-build-env-key", "Check the extra environment leaves the managed keys alone",
     "is not an environment variable name"),
    ("db2-healthcheck-none", "Check the healthcheck command",
     'db2_healthcheck_test must be a healthcheck command in Docker\'s form, CMD or CMD-SHELL followed by the command (got ["NONE"])'),
    ("oracle-healthcheck-string", "Check the healthcheck command", "oracle_xe_healthcheck_test must be a healthcheck command"),
])
def test_capabilities_and_env_keys_are_checked_against_allowlists(host, refusals, case, task, words):
    result = refusals[0][case]
    assert result["refused"] is True and result["task"] == task, result
    assert words in result["msg"], result["msg"]


@pytest.mark.parametrize("path,container", [("/srv/refused/db2", "db2-refused"), ("/srv/refused/oradata", "oracle-refused")])
def test_refused_cases_changed_nothing(host, refusals, path, container):
    assert not host.file("/srv/refused").exists and not host.file(path).exists
    assert host.run("docker container inspect %s" % container).rc != 0


def test_license_must_be_accepted_explicitly(refusals):
    result = refusals[0]["db2-license"]
    assert result["refused"] and result["task"] == "Require explicit acceptance of the Db2 license"
    assert "db2_license_accept: true" in result["msg"]


def test_global_sysctl_is_refused_with_the_reason(refusals):
    result = refusals[0]["db2-file-max"]
    assert result["refused"] and "fs.file-max" in result["msg"] and "not namespaced" in result["msg"]


def test_port_out_of_range_is_refused(refusals):
    result = refusals[0]["db2-port-range"]
    assert result["refused"] and "1-65535" in result["msg"] and "70000" in result["msg"]


@pytest.mark.parametrize("case,path", [("db2-no-odirect", "/srv/no-odirect/db2"),
                                       ("oracle-no-odirect", "/srv/no-odirect/oradata")])
def test_data_dir_without_o_direct_is_refused(host, refusals, case, path):
    # /srv/no-odirect is a real ramfs mount (prepare.yml): the kernel answers EINVAL to O_DIRECT.
    assert host.mount_point("/srv/no-odirect").filesystem == "ramfs"
    result = refusals[0][case]
    assert result["refused"] and result["task"] == "Refuse a data filesystem without O_DIRECT"
    for words in ("is on ramfs", "EINVAL", "O_RDWR|O_DSYNC|O_DIRECT", "aufs"):
        assert words in result["msg"], words
    assert not host.file(path).exists  # refused before anything was created


def test_readiness_waits_for_healthy(refusals):
    """The double prints its ready line but its healthcheck never passes: readiness fails with the results."""
    result = refusals[0]["oracle-unhealthy"]
    assert result["refused"] and result["task"] == "Fail with the last healthcheck results", result
    for words in ("printed its ready line but its healthcheck did not report healthy within 6 s",
                  'command ["CMD", "false"]', "oracle_xe_healthcheck_test"):
        assert words in result["msg"], words


@pytest.mark.parametrize("case,line,last", [
    ("db2-timeout", '"(*) Setup has completed." within 6 s', "DB_DOUBLE_NEVER_READY is set"),
    ("oracle-timeout", '"DATABASE IS READY TO USE!" within 6 s', "DB_DOUBLE_NEVER_READY is set"),
])
def test_readiness_timeout_shows_the_last_log_lines(refusals, case, line, last):
    result = refusals[0][case]
    assert result["refused"] and result["task"] == "Fail with the container's last log lines"
    assert line in result["msg"]
    assert "container running" in result["msg"]
    assert last in result["msg"]


def test_secrets_never_in_ansible_output(refusals):
    results, output = refusals
    # The timeout cases ran the container tasks with the passwords (Oracle's as environment).
    assert "Run the Oracle XE container oracle-never" in output
    assert "Run the Db2 container db2-never" in output
    for secret in SECRETS:
        assert secret not in output


# --- Static: no_log wherever a secret passes ------------------------------------------

SECRET_VARS = re.compile(r"(?<![\w.])(db2_password|oracle_xe_password|oracle_xe_app_user_password|"
                         r"\w+_build_registry_password)(?!\w)(?!\s+is\s+(not\s+)?defined)")
JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)


def _tasks(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from _tasks(task.get(key))


def _expressions(value, key=None):
    """Jinja expressions of a task (string literals outside {{ }} are prose, e.g. fail_msg)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _expressions(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _expressions(v, key)
    elif isinstance(value, str):
        if key in ("that", "when", "until", "failed_when", "changed_when", "loop"):
            yield value
        yield from JINJA.findall(value)


TASK_FILES = sorted((ROOT / "roles").glob("*/tasks/*.yml"))
ROLE_TASK_FILES = [p for p in TASK_FILES if p.parts[-3] in ("db2", "oracle_xe", "database_common")]


@pytest.mark.parametrize("path", ROLE_TASK_FILES, ids=lambda p: "/".join(p.parts[-3:]))
def test_every_task_touching_a_secret_has_no_log(path):
    for task in _tasks(yaml.safe_load(path.read_text())):
        body = {k: v for k, v in task.items() if k not in ("block", "rescue", "always", "name")}
        if any(SECRET_VARS.search(expr) for expr in _expressions(body)):
            assert task.get("no_log") is True, "%s: %s" % (path, task.get("name"))


def test_the_secret_tasks_exist():
    """The check above must have something to check: these tasks carry secrets."""
    names = []
    for path in ROLE_TASK_FILES:
        for task in _tasks(yaml.safe_load(path.read_text())):
            if task.get("no_log") is True:
                names.append(task["name"])
    for expected in ("Read the state of {{ database_common_container }}",
                     "Run the Db2 container {{ db2_container_name }}",
                     "Run the Oracle XE container {{ oracle_xe_container_name }}",
                     "Write the password files", "Write the password file", "Log in to the private registry",
                     "Check the password without showing it", "Check the passwords without showing them"):
        assert expected in names


# --- Faults (last: they rebuild the Db2 image and restore it) ---------------------------

DB2_IMAGE = "localhost:5000/labforge/db2-double:test"
FAULT = str(ROOT / "molecule" / "lab" / "fault")


def image_has(host, path):
    return host.run("docker run --rm --entrypoint /bin/busybox %s test -e %s" % (DB2_IMAGE, path)).rc == 0


def test_a_build_killed_after_the_dockerfile_changed_is_completed_by_the_next_run(host):
    # The run is killed (SIGKILL) right after a new Dockerfile was rendered, before the build. The
    # next run, with the same variables, renders nothing new: it must still build that Dockerfile.
    marker = "/labforge-fault-marker"
    changed = json.dumps({"db2_build_prepare_commands": ["/bin/busybox --install -s /bin", "touch " + marker]})
    converge = str(SCENARIO / "converge.yml")
    try:
        run = ansible_playbook(converge, "-e", changed, ANSIBLE_CALLBACK_PLUGINS=FAULT,
                               ANSIBLE_CALLBACKS_ENABLED="kill_after_task", LABFORGE_KILL_AFTER_TASK="Render the Dockerfile")
        assert run.returncode == -9, (run.stdout + run.stderr)[-3000:]
        assert "touch " + marker in host.file("/var/lib/labforge/build/db2/Dockerfile").content_string
        assert not image_has(host, marker)
        run = ansible_playbook(converge, "-e", changed)
        assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
        assert image_has(host, marker)
        assert host.check_output("docker exec db2 /bin/busybox test -e %s && echo yes" % marker) == "yes"
    finally:
        run = ansible_playbook(converge)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert not image_has(host, marker)
