# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kvm_guest role's template plan (plugins/filter/guest_plan.py, module_utils/_template_plan.py).

The filter labforge.virt.kvm_guest_template_plan, called as roles/kvm_guest/tasks/preflight.yml calls it:
kvm_guest_templates, template_dir, guests (kvm_guest_guests), domains (names libvirt knows) and
found_files (the source files and template images that exist on the host).
"""

import copy
import hashlib
import json

import pytest

from ansible_collections.labforge.virt.plugins.filter.guest_plan import FilterModule
from ansible_collections.labforge.virt.plugins.module_utils import _template_plan

TEMPLATE_PLAN = FilterModule().filters()["kvm_guest_template_plan"]
DIR = "/var/lib/libvirt/templates"  # the role's kvm_guest_template_dir
URL = "https://images.example.org/debian/debian-13-generic-amd64.qcow2"
SHA_A = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64
NFS_OPTS = "ro,nosuid,nodev,noexec"
CHECKSUM_RULE = ("source.checksum must be sha256, sha384, sha512 and a colon, then the file's hex digest or the http(s) URL"
                 " of a checksum file (got '%s'); the image is only used when it matches.")


def tplan(templates, guests=None, domains=None, found_files=None, template_dir=DIR):
    """The filter as preflight calls it (keyword arguments), on a copy of the input."""
    return TEMPLATE_PLAN(copy.deepcopy(templates), template_dir=template_dir, guests=copy.deepcopy(guests or []),
                         domains=list(domains or []), found_files=list(found_files or []))


def by_name(result):
    return dict((entry["name"], entry) for entry in result["plan"])


def image(name):
    return "%s/%s.qcow2" % (DIR, name)


def guest_template(name, source_guest, **keys):
    result = {"name": name, "source": {"type": "guest", "guest": source_guest}}
    result.update(keys)
    return result


def file_template(name, path="/srv/images/debian-13.qcow2", **keys):
    result = {"name": name, "source": {"type": "file", "path": path}}
    result.update(keys)
    return result


def url_template(name="deb13", url=URL, checksum=SHA_A, **keys):
    result = {"name": name, "source": {"type": "url", "url": url, "checksum": checksum}}
    result.update(keys)
    return result


def nfs_template(name="deb13", **source_keys):
    source = {"type": "nfs", "server": "nas.example.org", "export": "/export/images", "path": "debian/debian-13.qcow2"}
    source.update(source_keys)
    return {"name": name, "source": source}


def errors_of(templates, **kwargs):
    return tplan(templates, **kwargs)["errors"]


# --- the filter ----------------------------------------------------------------------------

def test_the_filter_is_the_module_utils_function():
    assert TEMPLATE_PLAN is _template_plan.template_plan


def test_no_templates_no_plan_no_errors():
    assert tplan([]) == {"plan": [], "errors": []}


def test_defaults_of_the_optional_arguments():
    """guests, domains and found_files default to nothing: a guest source is then unknown."""
    result = TEMPLATE_PLAN([guest_template("t", "web1")], template_dir=DIR)
    assert result["errors"] == ["template 't': guest 'web1' does not exist on this host and is not in kvm_guest_guests."]


# --- guest source ----------------------------------------------------------------------------

def test_guest_clone_full_entry():
    """keep_guest defaults to true (a clone) and a template made from a guest is sealed by default."""
    result = tplan([guest_template("web-tpl", "web1")], domains=["web1"])
    assert result == {"errors": [], "plan": [{
        "name": "web-tpl", "state": "present", "path": DIR + "/web-tpl.qcow2", "exists": False,
        "source": {"type": "guest", "guest": "web1", "keep_guest": True},
        "download": None, "nfs": None, "pending": False, "seal": True, "vcpus": None, "memory_mib": None,
    }]}


def test_guest_clone_of_a_listed_guest_is_fine():
    """kvm_guest_guests are made before the templates: a template may clone one that does not exist yet."""
    result = tplan([guest_template("web-tpl", "web1")], guests=[{"name": "web1"}])
    assert result["errors"] == []
    assert result["plan"][0]["source"] == {"type": "guest", "guest": "web1", "keep_guest": True}


def test_guest_clone_of_a_guest_listed_absent_that_is_a_domain_is_fine():
    """Guests with state absent are removed after the templates are made."""
    result = tplan([guest_template("web-tpl", "web1")], guests=[{"name": "web1", "state": "absent"}], domains=["web1"])
    assert result["errors"] == []


def test_guest_clone_of_an_unknown_guest_is_an_error():
    assert errors_of([guest_template("web-tpl", "web9")], guests=[{"name": "web1"}], domains=["db1"]) == [
        "template 'web-tpl': guest 'web9' does not exist on this host and is not in kvm_guest_guests."]


def test_guest_clone_seal_and_sizes_given():
    result = tplan([guest_template("web-tpl", "web1", seal=False, vcpus=2, memory_mib=1024)], domains=["web1"])
    assert result["errors"] == []
    entry = result["plan"][0]
    assert (entry["seal"], entry["vcpus"], entry["memory_mib"]) == (False, 2, 1024)


@pytest.mark.parametrize("seal", ["no", "false", "off", "0", False])
def test_guest_seal_false_words(seal):
    assert tplan([guest_template("t", "web1", seal=seal)], domains=["web1"])["plan"][0]["seal"] is False


def test_guest_convert_of_a_listed_guest_is_an_error():
    templates = [{"name": "web-tpl", "source": {"type": "guest", "guest": "web1", "keep_guest": False}}]
    result = tplan(templates, guests=[{"name": "web1", "state": "shutoff"}], domains=["web1"])
    assert result["errors"] == [
        "template 'web-tpl': converting guest 'web1' (keep_guest: false) removes it, but kvm_guest_guests still lists it;"
        " remove it from kvm_guest_guests, or clone it (keep_guest: true)."]
    assert result["plan"][0]["source"] == {"type": "guest", "guest": "web1", "keep_guest": False}


@pytest.mark.parametrize("keep", [False, "no", "false", "off"])
def test_guest_convert_keep_guest_words(keep):
    templates = [{"name": "web-tpl", "source": {"type": "guest", "guest": "web1", "keep_guest": keep}}]
    result = tplan(templates, guests=[{"name": "web1"}])
    assert result["plan"][0]["source"]["keep_guest"] is False
    assert len(result["errors"]) == 1 and "converting guest 'web1' (keep_guest: false)" in result["errors"][0]


def test_guest_convert_of_a_guest_listed_absent_is_fine():
    templates = [{"name": "web-tpl", "source": {"type": "guest", "guest": "web1", "keep_guest": False}}]
    result = tplan(templates, guests=[{"name": "web1", "state": "absent"}], domains=["web1"])
    assert result["errors"] == []
    assert result["plan"][0]["source"] == {"type": "guest", "guest": "web1", "keep_guest": False}
    assert result["plan"][0]["seal"] is True


def test_guest_convert_of_an_unlisted_domain_is_fine():
    templates = [{"name": "web-tpl", "source": {"type": "guest", "guest": "web1", "keep_guest": False}}]
    assert tplan(templates, guests=[{"name": "db1"}], domains=["web1", "db1"])["errors"] == []


def test_guest_convert_of_a_guest_that_is_neither_domain_nor_listed_is_an_error():
    templates = [{"name": "web-tpl", "source": {"type": "guest", "guest": "web1", "keep_guest": False}}]
    assert errors_of(templates, domains=["db1"]) == [
        "template 'web-tpl': guest 'web1' does not exist on this host and is not in kvm_guest_guests."]


def test_guest_convert_done_before_the_template_exists_nothing_to_make():
    """A guest converted on an earlier run is gone; its template image is there, so nothing is to be made."""
    templates = [{"name": "web-tpl", "source": {"type": "guest", "guest": "web1", "keep_guest": False}}]
    result = tplan(templates, found_files=[image("web-tpl")])
    assert result["errors"] == []
    assert result["plan"][0]["exists"] is True
    assert result["plan"][0]["path"] == image("web-tpl")


def test_guest_sources_ignore_non_mapping_guests():
    """Entries of kvm_guest_guests that are not mappings with a name are kvm_guest_plan's to report."""
    result = tplan([guest_template("t", "web1")], guests=["web1", {"state": "running"}, None])
    assert result["errors"] == ["template 't': guest 'web1' does not exist on this host and is not in kvm_guest_guests."]


def test_guest_clone_of_a_listed_guest_made_from_a_template_is_an_error():
    """Guests made from a template are built after the templates, so a template cannot clone one not yet a domain."""
    guests = [{"name": "web1", "source": {"type": "template", "template": "base"}}]
    templates = [file_template("base", path="/srv/b.qcow2"), guest_template("web-tpl", "web1")]
    result = tplan(templates, guests=guests, found_files=["/srv/b.qcow2"])
    assert result["errors"] == ["template 'web-tpl': guest 'web1' is made from a template, after the templates, and does not"
                                " exist yet; it can be cloned from the next run on."]
    # Once web1 exists it can be cloned.
    assert tplan(templates, guests=guests, domains=["web1"], found_files=["/srv/b.qcow2"])["errors"] == []


# --- template source -------------------------------------------------------------------------

def test_template_source_listed_earlier_is_fine():
    result = tplan([file_template("base"), {"name": "web", "source": {"type": "template", "template": "base"}}],
                   found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == []
    assert by_name(result)["web"] == {
        "name": "web", "state": "present", "path": DIR + "/web.qcow2", "exists": False,
        "source": {"type": "template", "template": "base"},
        "download": None, "nfs": None, "pending": True, "seal": False, "vcpus": None, "memory_mib": None,
    }


def test_template_source_listed_later_is_an_error():
    result = tplan([{"name": "web", "source": {"type": "template", "template": "base"}}, file_template("base")],
                   found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == [
        "template 'web': template 'base' does not exist in /var/lib/libvirt/templates and is not listed before it in"
        " kvm_guest_templates."]
    assert [entry["name"] for entry in result["plan"]] == ["web", "base"]


def test_template_source_existing_image_is_fine():
    result = tplan([{"name": "web", "source": {"type": "template", "template": "base"}}], found_files=[image("base")])
    assert result["errors"] == []
    assert result["plan"][0]["exists"] is False


def test_template_source_existing_image_of_the_template_itself_is_fine():
    """The template exists already: nothing to make, whatever its source."""
    result = tplan([{"name": "web", "source": {"type": "template", "template": "base"}}], found_files=[image("web")])
    assert result["errors"] == []
    assert result["plan"][0]["exists"] is True


def test_template_source_itself_is_an_error():
    assert errors_of([{"name": "web", "source": {"type": "template", "template": "web"}}], found_files=[image("web")]) == [
        "template 'web': a template cannot be made from itself."]


def test_template_source_listed_earlier_with_errors_still_counts():
    """A template listed before is a source whatever its own errors (they are reported on their own)."""
    result = tplan([file_template("base", path="/srv/missing.qcow2"), {"name": "web", "source": {"type": "template", "template": "base"}}])
    assert result["errors"] == ["template 'base': the image /srv/missing.qcow2 does not exist on this host."]


def test_template_source_seal_given():
    result = tplan([{"name": "web", "seal": "yes", "source": {"type": "template", "template": "base"}}], found_files=[image("base")])
    assert result["plan"][0]["seal"] is True


# --- file source -----------------------------------------------------------------------------

def test_file_source_full_entry():
    result = tplan([file_template("deb13")], found_files=["/srv/images/debian-13.qcow2"])
    assert result == {"errors": [], "plan": [{
        "name": "deb13", "state": "present", "path": DIR + "/deb13.qcow2", "exists": False,
        "source": {"type": "file", "path": "/srv/images/debian-13.qcow2"},
        "download": None, "nfs": None, "pending": False, "seal": False, "vcpus": None, "memory_mib": None,
    }]}


def test_file_source_relative_is_an_error():
    assert errors_of([file_template("deb13", path="images/debian-13.qcow2")], found_files=["images/debian-13.qcow2"]) == [
        "template 'deb13': source.path must be an absolute path, got images/debian-13.qcow2."]


def test_file_source_missing_is_an_error():
    assert errors_of([file_template("deb13")], found_files=["/srv/images/other.qcow2"]) == [
        "template 'deb13': the image /srv/images/debian-13.qcow2 does not exist on this host."]


def test_file_source_missing_but_template_exists_is_fine():
    result = tplan([file_template("deb13")], found_files=[image("deb13")])
    assert result["errors"] == []
    assert result["plan"][0]["exists"] is True


@pytest.mark.parametrize("seal", [True, "yes", "true", "on", "1", "Yes"])
def test_file_source_seal_honoured(seal):
    result = tplan([file_template("deb13", seal=seal)], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == []
    assert result["plan"][0]["seal"] is True


def test_file_source_seal_null_is_the_default():
    result = tplan([file_template("deb13", seal=None)], found_files=["/srv/images/debian-13.qcow2"])
    assert result["plan"][0]["seal"] is False


# --- url source ------------------------------------------------------------------------------

def test_url_source_full_entry():
    """The image is downloaded under <dir>/downloads/ and the module imports it as a file."""
    result = tplan([url_template()])
    # sha256(url + '\n' + checksum)[:12]; a change here downloads every image again.
    dest = DIR + "/downloads/75c8ffff0afc-debian-13-generic-amd64.qcow2"
    assert result == {"errors": [], "plan": [{
        "name": "deb13", "state": "present", "path": DIR + "/deb13.qcow2", "exists": False,
        "source": {"type": "file", "path": dest},
        "download": {"url": URL, "checksum": SHA_A, "dest": dest},
        "nfs": None, "pending": True, "seal": False, "vcpus": None, "memory_mib": None,
    }]}
    assert dest == "%s/downloads/%s-debian-13-generic-amd64.qcow2" % (
        DIR, hashlib.sha256((URL + "\n" + SHA_A).encode("utf-8")).hexdigest()[:12])


def test_url_source_dest_changes_with_the_checksum():
    first = tplan([url_template()])["plan"][0]["download"]["dest"]
    second = tplan([url_template(checksum=SHA_B)])["plan"][0]["download"]["dest"]
    assert first != second
    assert second == DIR + "/downloads/cbb6259de22d-debian-13-generic-amd64.qcow2"


def test_url_source_checksum_file_and_query_string():
    """A checksum file's URL is a checksum; the query string is not part of the file name."""
    result = tplan([url_template(url="https://images.example.org/latest.qcow2?arch=amd64",
                                 checksum="sha256:https://images.example.org/SHA256SUMS")])
    assert result["errors"] == []
    assert result["plan"][0]["download"]["dest"].endswith("-latest.qcow2")
    assert result["plan"][0]["download"]["dest"].startswith(DIR + "/downloads/")


def test_url_source_odd_file_name_becomes_image():
    result = tplan([url_template(url="https://images.example.org/debian%2013.qcow2")])
    assert result["errors"] == []
    dest = result["plan"][0]["download"]["dest"]
    assert dest.startswith(DIR + "/downloads/") and dest.endswith("-image")
    assert len(dest.rsplit("/", 1)[1]) == len("123456789012-image")


def test_url_source_seal_honoured():
    assert tplan([url_template(seal=True)])["plan"][0]["seal"] is True


@pytest.mark.parametrize("url", ["ftp://images.example.org/debian-13.qcow2", "https://images.example.org/",
                                 "images.example.org/debian-13.qcow2", "https://images.example.org/a b.qcow2"])
def test_url_source_bad_url(url):
    assert errors_of([url_template(url=url)]) == [
        "template 'deb13': source.url must be an http:// or https:// URL of a file, got '%s'." % url]


@pytest.mark.parametrize("checksum", ["md5:" + "a" * 32, "sha256:abc", "a" * 64, "sha256:" + "g" * 64, "sha512:" + "a" * 64])
def test_url_source_bad_checksum(checksum):
    assert errors_of([url_template(checksum=checksum)]) == ["template 'deb13': " + CHECKSUM_RULE % checksum]


def test_url_source_bad_url_and_checksum_both_reported():
    assert errors_of([url_template(url="ftp://x/y.img", checksum="md5:0")]) == [
        "template 'deb13': source.url must be an http:// or https:// URL of a file, got 'ftp://x/y.img'.",
        "template 'deb13': " + CHECKSUM_RULE % "md5:0"]


@pytest.mark.parametrize("checksum", [None, ""])
def test_url_source_missing_checksum(checksum):
    template = url_template()
    if checksum is None:
        del template["source"]["checksum"]
    else:
        template["source"]["checksum"] = checksum
    result = tplan([template])
    assert result["errors"] == ["template 'deb13': source.type url needs source.checksum."]
    assert result["plan"][0]["download"] is None and result["plan"][0]["source"] is None


def test_url_source_missing_url_and_checksum():
    assert errors_of([{"name": "deb13", "source": {"type": "url"}}]) == [
        "template 'deb13': source.type url needs source.url and source.checksum."]


# --- nfs source ------------------------------------------------------------------------------

def test_nfs_source_full_entry():
    result = tplan([nfs_template()])
    mountpoint = DIR + "/.nfs-deb13"
    assert result == {"errors": [], "plan": [{
        "name": "deb13", "state": "present", "path": DIR + "/deb13.qcow2", "exists": False,
        "source": {"type": "file", "path": mountpoint + "/debian/debian-13.qcow2"},
        "download": None,
        "nfs": {"src": "nas.example.org:/export/images", "mountpoint": mountpoint, "opts": NFS_OPTS},
        "pending": True, "seal": False, "vcpus": None, "memory_mib": None,
    }]}


def test_nfs_source_options_and_address_server():
    result = tplan([nfs_template(server="192.0.2.10", options="ro,vers=4.2", path="debian-13.qcow2")])
    assert result["errors"] == []
    entry = result["plan"][0]
    assert entry["nfs"] == {"src": "192.0.2.10:/export/images", "mountpoint": DIR + "/.nfs-deb13", "opts": "ro,vers=4.2"}
    assert entry["source"] == {"type": "file", "path": DIR + "/.nfs-deb13/debian-13.qcow2"}


def test_nfs_source_ipv6_server():
    result = tplan([nfs_template(server="[2001:db8::1]")])
    assert result["errors"] == []
    assert result["plan"][0]["nfs"]["src"] == "[2001:db8::1]:/export/images"


@pytest.mark.parametrize("server", ["nas example", "-nas", "nas.", "nas:2049", "user@nas", "2001:db8::1"])
def test_nfs_source_bad_server(server):
    assert errors_of([nfs_template(server=server)]) == [
        "template 'deb13': source.server must be a host name or address, got '%s'." % server]


@pytest.mark.parametrize("export", ["export/images", "/export/../etc", "/export/images/..", ".."])
def test_nfs_source_bad_export(export):
    assert errors_of([nfs_template(export=export)]) == [
        "template 'deb13': source.export must be an absolute path without '..', got '%s'." % export]


@pytest.mark.parametrize("path", ["/debian/debian-13.qcow2", "../debian-13.qcow2", "debian/../../etc/shadow", "/", "//"])
def test_nfs_source_bad_path(path):
    assert errors_of([nfs_template(path=path)]) == [
        "template 'deb13': source.path is the image's path inside the export, relative and without '..', got '%s'." % path]


@pytest.mark.parametrize("options", ["rw", "nosuid,nodev", "rw,noexec", "vers=4.2,ro=1"])
def test_nfs_source_options_without_ro(options):
    assert errors_of([nfs_template(options=options)]) == [
        "template 'deb13': source.options must include ro: the share is only read from, got '%s'." % options]


def test_nfs_source_missing_keys():
    assert errors_of([{"name": "deb13", "source": {"type": "nfs", "server": "nas"}}]) == [
        "template 'deb13': source.type nfs needs source.export and source.path."]


def test_nfs_source_seal_honoured():
    template = nfs_template()
    template["seal"] = "yes"
    assert tplan([template])["plan"][0]["seal"] is True


# --- vcpus, memory_mib ----------------------------------------------------------------------

@pytest.mark.parametrize("key,value,shown,minimum", [
    ("vcpus", 0, "0", 1), ("vcpus", "two", '"two"', 1), ("vcpus", -1, "-1", 1), ("vcpus", 1.5, "1.5", 1),
    ("vcpus", True, "true", 1), ("memory_mib", 8, "8", 16), ("memory_mib", "two", '"two"', 16), ("memory_mib", "15", '"15"', 16),
])
def test_bad_sizes(key, value, shown, minimum):
    template = file_template("deb13")
    template[key] = value
    result = tplan([template], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == ["template 'deb13': %s must be a whole number of at least %d, got %s." % (key, minimum, shown)]
    assert result["plan"][0][key] is None


def test_sizes_as_strings_are_accepted():
    result = tplan([file_template("deb13", vcpus="2", memory_mib="2048")], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == []
    assert (result["plan"][0]["vcpus"], result["plan"][0]["memory_mib"]) == (2, 2048)


def test_sizes_at_the_minimum_are_accepted():
    result = tplan([file_template("deb13", vcpus=1, memory_mib=16)], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == []
    assert (result["plan"][0]["vcpus"], result["plan"][0]["memory_mib"]) == (1, 16)


# --- names, state, source, list --------------------------------------------------------------

NAME_RULE = "the name may hold letters, digits, '_', '.', '+' and '-' only."


@pytest.mark.parametrize("name", ["deb 13", "../deb13", "-deb13", ".deb13", "deb/13", ""])
def test_bad_names(name):
    result = tplan([file_template(name)], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == ["template '%s': %s" % (name, NAME_RULE)]


def test_good_names():
    names = ["deb13", "Debian_13.2+lab-1", "0"]
    result = tplan([file_template(name) for name in names], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == []
    assert [entry["path"] for entry in result["plan"]] == [image(name) for name in names]


def test_duplicate_names():
    result = tplan([file_template("deb13"), file_template("deb13"), file_template("deb13")],
                   found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == ["template 'deb13': listed twice in kvm_guest_templates.",
                                "template 'deb13': listed twice in kvm_guest_templates."]
    assert len(result["plan"]) == 3


def test_bad_state():
    result = tplan([file_template("deb13", state="running")], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == ["template 'deb13': state 'running' is not one of present, absent."]
    assert result["plan"][0]["source"] is None


def test_absent_full_entry_needs_no_source():
    result = tplan([{"name": "old", "state": "absent"}], found_files=[image("old")])
    assert result == {"errors": [], "plan": [{
        "name": "old", "state": "absent", "path": DIR + "/old.qcow2", "exists": True,
        "source": None, "download": None, "nfs": None, "pending": False, "seal": False, "vcpus": None, "memory_mib": None,
    }]}


@pytest.mark.parametrize("source,shown", [
    ("/srv/images/debian-13.qcow2", '"/srv/images/debian-13.qcow2"'),
    (["file"], '["file"]'),
    (None, "null"),
])
def test_source_not_a_mapping(source, shown):
    assert errors_of([{"name": "deb13", "source": source}]) == [
        "template 'deb13': source must be a mapping whose type is one of guest, template, file, url, nfs, got %s." % shown]


def test_source_missing():
    assert errors_of([{"name": "deb13"}]) == [
        "template 'deb13': source must be a mapping whose type is one of guest, template, file, url, nfs, got null."]


@pytest.mark.parametrize("source,shown", [
    ({"type": "iso", "path": "/srv/x.iso"}, '{"type": "iso", "path": "/srv/x.iso"}'),
    ({"path": "/srv/x.qcow2"}, '{"path": "/srv/x.qcow2"}'),
    ({"type": "blank"}, '{"type": "blank"}'),
])
def test_unknown_source_type(source, shown):
    assert errors_of([{"name": "deb13", "source": source}]) == [
        "template 'deb13': source must be a mapping whose type is one of guest, template, file, url, nfs, got %s." % shown]


@pytest.mark.parametrize("kind,needs", [("guest", "guest"), ("template", "template"), ("file", "path")])
def test_source_type_needs_its_key(kind, needs):
    assert errors_of([{"name": "deb13", "source": {"type": kind}}]) == [
        "template 'deb13': source.type %s needs source.%s." % (kind, needs)]


@pytest.mark.parametrize("raw,shown", [
    ("deb13", '"deb13"'),
    ({"source": {"type": "file", "path": "/srv/x.qcow2"}}, '{"source": {"type": "file", "path": "/srv/x.qcow2"}}'),
    (None, "null"),
    (["deb13"], '["deb13"]'),
])
def test_entry_not_a_mapping_with_a_name(raw, shown):
    result = tplan([file_template("deb13"), raw], found_files=["/srv/images/debian-13.qcow2"])
    assert result["errors"] == ["kvm_guest_templates[1] must be a mapping with at least a name, got: %s" % shown]
    assert [entry["name"] for entry in result["plan"]] == ["deb13"]


@pytest.mark.parametrize("templates,shown", [
    ({"name": "deb13"}, '{"name": "deb13"}'),
    ("deb13", '"deb13"'),
    (None, "null"),
])
def test_templates_not_a_list(templates, shown):
    assert TEMPLATE_PLAN(templates, template_dir=DIR) == {
        "plan": [], "errors": ["kvm_guest_templates must be a list of templates, got %s." % shown]}


# --- absent templates in use ------------------------------------------------------------------

def test_absent_template_used_by_a_listed_guest_is_an_error():
    guests = [{"name": "web1", "source": {"type": "template", "template": "old"}}]
    assert errors_of([{"name": "old", "state": "absent"}], guests=guests, found_files=[image("old")]) == [
        "template 'old': state absent, but web1 is made from it."]


def test_absent_template_used_by_several_is_an_error():
    guests = [{"name": "web1", "source": {"type": "template", "template": "old"}},
              {"name": "web2", "state": "shutoff", "source": {"type": "template", "template": "old"}}]
    templates = [{"name": "old", "state": "absent"}, {"name": "new", "source": {"type": "template", "template": "old"}}]
    assert errors_of(templates, guests=guests, found_files=[image("old")]) == [
        "template 'old': state absent, but web1, web2, template new are made from it."]


def test_absent_template_used_by_a_present_template_is_an_error():
    templates = [{"name": "old", "state": "absent"}, {"name": "new", "source": {"type": "template", "template": "old"}}]
    assert errors_of(templates, found_files=[image("old")]) == [
        "template 'old': state absent, but template new is made from it."]


def test_absent_template_listed_later_than_its_user_is_an_error():
    templates = [{"name": "new", "source": {"type": "template", "template": "old"}}, {"name": "old", "state": "absent"}]
    assert errors_of(templates, found_files=[image("old")]) == [
        "template 'old': state absent, but template new is made from it."]


def test_absent_template_used_by_an_absent_guest_is_fine():
    guests = [{"name": "web1", "state": "absent", "source": {"type": "template", "template": "old"}}]
    assert errors_of([{"name": "old", "state": "absent"}], guests=guests, found_files=[image("old")]) == []


def test_absent_template_used_by_an_absent_template_is_fine():
    templates = [{"name": "old", "state": "absent"}, {"name": "new", "state": "absent"}]
    assert errors_of(templates, found_files=[image("old"), image("new")]) == []


def test_absent_template_not_used_by_guests_of_other_sources():
    guests = [{"name": "web1", "source": {"type": "blank", "size": "1G"}}, {"name": "web2", "source": {"type": "template", "template": "other"}},
              {"name": "old"}]
    templates = [{"name": "old", "state": "absent"}, guest_template("cloned", "old")]
    assert errors_of(templates, guests=guests, found_files=[image("old")]) == []


# --- every error at once ------------------------------------------------------------------------

def test_several_errors_of_several_templates_are_all_reported():
    templates = [
        {"name": "bad name", "vcpus": 0, "source": {"type": "file", "path": "relative.qcow2"}},
        url_template(name="dl", url="ftp://x/y.img", memory_mib=8),
        nfs_template(name="share", options="rw"),
        "not-a-mapping",
        {"name": "self", "source": {"type": "template", "template": "self"}},
        {"name": "dl", "state": "gone"},
        {"name": "old", "state": "absent"},
        {"name": "new", "source": {"type": "template", "template": "old"}},
    ]
    result = tplan(templates, found_files=[image("old")])
    assert result["errors"] == [
        "template 'bad name': the name may hold letters, digits, '_', '.', '+' and '-' only.",
        "template 'bad name': vcpus must be a whole number of at least 1, got 0.",
        "template 'bad name': source.path must be an absolute path, got relative.qcow2.",
        "template 'dl': memory_mib must be a whole number of at least 16, got 8.",
        "template 'dl': source.url must be an http:// or https:// URL of a file, got 'ftp://x/y.img'.",
        "template 'share': source.options must include ro: the share is only read from, got 'rw'.",
        "kvm_guest_templates[3] must be a mapping with at least a name, got: \"not-a-mapping\"",
        "template 'self': a template cannot be made from itself.",
        "template 'dl': listed twice in kvm_guest_templates.",
        "template 'dl': state 'gone' is not one of present, absent.",
        "template 'old': state absent, but template new is made from it.",
    ]
    assert [entry["name"] for entry in result["plan"]] == ["bad name", "dl", "share", "self", "dl", "old", "new"]


@pytest.mark.parametrize("word", ["ture", "maybe", 2])
def test_keep_guest_typo_is_refused_not_taken_for_a_conversion(word):
    result = tplan([{"name": "t", "source": {"type": "guest", "guest": "web1", "keep_guest": word}}], domains=["web1"])
    assert result["errors"] == ["template 't': source.keep_guest must be true (clone the guest) or false (convert it), got %s."
                                % json.dumps(word)]


def test_seal_typo_is_refused():
    result = tplan([{"name": "t", "seal": "sure", "source": {"type": "guest", "guest": "web1"}}], domains=["web1"])
    assert result["errors"] == ["template 't': seal must be true or false, got \"sure\"."]


def test_nfs_options_null_takes_the_default():
    result = tplan([{"name": "t", "source": {"type": "nfs", "server": "nfs1", "export": "/srv", "path": "t.qcow2", "options": None}}])
    assert result["errors"] == []
    assert result["plan"][0]["nfs"]["opts"] == "ro,nosuid,nodev,noexec"


def test_pending_sources_are_the_ones_the_run_provides():
    """Check mode skips a template whose source only exists once the run made, downloaded or mounted it."""
    templates = [guest_template("from-new-guest", "new"), guest_template("from-old-guest", "web1"),
                 {"name": "copy", "source": {"type": "template", "template": "from-old-guest"}},
                 {"name": "copy-existing", "source": {"type": "template", "template": "old"}}]
    result = tplan(templates, guests=[{"name": "new"}], domains=["web1"], found_files=[image("old")])
    assert result["errors"] == []
    assert [(entry["name"], entry["pending"]) for entry in result["plan"]] == [
        ("from-new-guest", True), ("from-old-guest", False), ("copy", True), ("copy-existing", False)]


SOURCE_FILES = FilterModule().filters()["kvm_guest_source_files"]


def test_source_files_of_guests_and_templates():
    guests = [
        {"name": "a", "source": {"type": "linked_clone", "base": "/srv/base.qcow2"}},
        {"name": "b", "source": {"type": "kernel", "kernel": "/boot/vmlinuz", "initrd": "/boot/initrd.img"}},
        {"name": "c", "source": {"type": "template", "template": "golden"}},
        {"name": "d", "source": {"type": "ova", "ova": "relative.ova"}},  # not absolute: the plan refuses it
        {"name": "e", "source": {"type": "full_copy", "base": "/srv/base.qcow2"}},
        "not a guest",
    ]
    templates = [
        {"name": "golden", "source": {"type": "guest", "guest": "web"}},
        {"name": "copy", "source": {"type": "template", "template": "golden"}},
        {"name": "imported", "source": {"type": "file", "path": "/srv/cloud.qcow2"}},
        {"name": "../evil", "source": {"type": "template", "template": "-rf"}},
        None,
    ]
    assert SOURCE_FILES(guests, templates, DIR) == [
        "/srv/base.qcow2", "/boot/vmlinuz", "/boot/initrd.img", DIR + "/golden.qcow2", DIR + "/copy.qcow2",
        DIR + "/imported.qcow2", "/srv/cloud.qcow2"]


def test_source_files_of_nothing():
    assert SOURCE_FILES([], [], DIR) == []
    assert SOURCE_FILES(None, "not a list", DIR) == []
