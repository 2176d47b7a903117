# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""labforge.virt.mcs_valid / mcs_validate / mcs_allocate."""

import os
import subprocess
import sys

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.labforge.virt.plugins.filter.mcs import FilterModule
from ansible_collections.labforge.virt.plugins.module_utils._mcs import MCSError, mcs_allocate, mcs_problem
from ansible_collections.labforge.virt.plugins.module_utils._selinux import parse_level

from conftest import COLLECTIONS

F = FilterModule().filters()


@pytest.mark.parametrize('level', ['s0:c12,c345', 's0:c0,c1', 's0:c1022,c1023', 's0:c107,c434'])
def test_valid_levels(level):
    assert F['mcs_valid'](level) is True
    assert F['mcs_validate'](level) == level


@pytest.mark.parametrize('level,reason', [
    ('s0:c345,c12', 'write s0:c12,c345'),
    ('s0', 'no categories'),
    ('s0:c12', 'has 1 category;'),
    ('s0:c1,c2,c3', 'has 3 categories'),
    ('s0:c5,c5', 'repeats category c5'),
    ('s0:c1,c1024', 'out of range c0..c1023'),
    ('s1:c1,c2', 'sensitivity s1'),
    ('s0:c0.c1023', 'category range'),
    ('s0-s0:c0.c1023', 'not of the form'),
    ('s0:c012,c13', 'leading zero'),
    ('s0:c1,', "'' is not a category"),
    ('s0:C1,C2', "'C1' is not a category"),
    (' s0:c1,c2', 'whitespace'),
    ('system_u:system_r:svirt_t:s0:c1,c2', 'full security context'),
    ('', 'not of the form'),
    (None, 'got NoneType'),
    (12, 'got int'),
])
def test_invalid_levels(level, reason):
    assert F['mcs_valid'](level) is False
    with pytest.raises(AnsibleFilterError) as exc:
        F['mcs_validate'](level)
    assert reason in str(exc.value)
    assert str(exc.value).startswith('labforge.virt.mcs_validate: ')


def test_max_category_option():
    assert F['mcs_valid']('s0:c1,c300', max_category=255) is False
    assert F['mcs_valid']('s0:c1,c255', max_category=255) is True


def test_allocate_unique_valid_and_stable():
    names = ['guest%03d' % i for i in range(300)]
    a = F['mcs_allocate'](names, seed='hv1')
    assert sorted(a) == sorted(names)
    assert all(F['mcs_valid'](v) for v in a.values())
    assert len(set(a.values())) == len(names)
    # the same input, in any order, gives the same answer
    assert F['mcs_allocate'](list(reversed(names)), seed='hv1') == a
    # the seed matters
    assert F['mcs_allocate'](names, seed='hv2') != a
    # adding a guest leaves everybody else's pair alone (no collision here)
    b = F['mcs_allocate'](names + ['newcomer'], seed='hv1')
    assert dict((k, v) for k, v in b.items() if k != 'newcomer') == a


def test_allocate_golden_values():
    """Pinned output: changing the algorithm would relabel every static guest in the field."""
    assert mcs_allocate(['web1', 'db1', 'legacy'], seed='lab') == {
        'db1': 's0:c465,c497', 'legacy': 's0:c406,c769', 'web1': 's0:c233,c822'}


def test_allocate_does_not_depend_on_python_hash_seed():
    code = ('import sys; sys.path.insert(0, %r)\n'
            'from ansible_collections.labforge.virt.plugins.module_utils._mcs import mcs_allocate\n'
            'print(sorted(mcs_allocate(["a", "b", "c"], seed="x").items()))' % COLLECTIONS)
    outs = set()
    for hashseed in ('0', '1', '12345'):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        outs.add(subprocess.check_output([sys.executable, '-c', code], env=env))
    assert len(outs) == 1


def test_allocate_skips_excluded_pairs():
    first = mcs_allocate(['web1'], seed='lab')['web1']
    # excluding web1's natural pair (as a level or as a full context) moves it elsewhere
    for excl in ([first], ['system_u:system_r:svirt_t:' + first], ['system_u:object_r:svirt_image_t:' + first]):
        moved = mcs_allocate(['web1'], seed='lab', exclude=excl)['web1']
        assert moved != first and F['mcs_valid'](moved)
    # things that are not a pair are ignored, not fatal
    ignored = [None, '', 's0', 's0-s0:c0.c1023', 'unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023']
    assert mcs_allocate(['web1'], seed='lab', exclude=ignored) == {'web1': first}


def test_allocate_fills_a_small_range_exactly():
    # c0..c3 holds 6 pairs; one excluded leaves 5 for 5 guests
    got = mcs_allocate(['a', 'b', 'c', 'd', 'e'], exclude=['s0:c0,c1'], min_category=0, max_category=3)
    pairs = set(got.values())
    assert len(pairs) == 5 and 's0:c0,c1' not in pairs
    for v in pairs:
        cats = sorted(parse_level(v).categories)
        assert 0 <= cats[0] < cats[1] <= 3
    with pytest.raises(AnsibleFilterError, match='only 5 free pairs'):
        F['mcs_allocate'](['a', 'b', 'c', 'd', 'e', 'f'], exclude=['s0:c0,c1'], max_category=3)


def test_allocate_range_option():
    got = mcs_allocate(['g%d' % i for i in range(50)], min_category=512)
    for v in got.values():
        assert min(parse_level(v).categories) >= 512


@pytest.mark.parametrize('args,kwargs,reason', [
    ('web1', {}, 'expects a list of guest names, got str'),
    (['web1', 'web1'], {}, 'duplicate guest names: web1'),
    (['web1', ''], {}, 'non-empty strings'),
    (['web1', 3], {}, 'non-empty strings'),
    (['web1'], {'exclude': ['s0:cX,c1']}, "cannot read exclude entry 's0:cX,c1'"),
    (['web1'], {'exclude': [5]}, 'exclude entries must be strings'),
    (['web1'], {'min_category': 10, 'max_category': 10}, 'holds no pair'),
    (['web1'], {'max_category': 2048}, 'max_category must be an integer in 0..1023'),
    (['web1'], {'seed': ['x']}, 'seed must be a string or an integer'),
])
def test_allocate_errors(args, kwargs, reason):
    with pytest.raises(AnsibleFilterError) as exc:
        F['mcs_allocate'](args, **kwargs)
    assert reason in str(exc.value)
    with pytest.raises(MCSError):
        mcs_allocate(args, **kwargs)


def test_allocate_accepts_dict_keys_and_int_seed():
    assert F['mcs_allocate']({'web1': {}, 'db1': {}}, seed=7) == F['mcs_allocate'](['db1', 'web1'], seed='7')


def test_problem_none_for_valid():
    assert mcs_problem('s0:c12,c345') is None
