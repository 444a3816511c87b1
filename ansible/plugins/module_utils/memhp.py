# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs memhp with --json and reads its document (man/memhp-json.7).

memhp prints one JSON document on standard output, or nothing when it
failed before it had anything to report (then the reason is on standard
error).  Tables are never parsed.
"""

import json

COMMON_ARGS = {
    'memhp_path': {'type': 'str', 'default': 'memhp'},
    'sysfs_root': {'type': 'path'},
}

# memhp's exit statuses (man/memhp.8)
EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 64


def memhp_argv(module):
    """The memhp command line up to the subcommand."""
    path = module.params['memhp_path']
    if '/' not in path:
        path = module.get_bin_path(path, required=True)
    argv = [path]
    if module.params.get('sysfs_root'):
        argv += ['--sysfs-root', module.params['sysfs_root']]
    argv.append('--json')
    return argv


def run_memhp(module, args, ok_codes=(EXIT_DONE,)):
    """Runs memhp ARGS and returns (rc, document or None, stderr, argv).

    A document is returned whatever the exit status when memhp printed one;
    with none, or with one that is not JSON, an exit status outside
    OK_CODES fails the task with memhp's own message.
    """
    argv = memhp_argv(module) + list(args)
    # C locale: memhp's messages as its man pages spell them
    rc, out, err = module.run_command(
        argv, environ_update={'LC_ALL': 'C', 'LANG': 'C'})
    doc = None
    if out.strip():
        try:
            doc = json.loads(out)
        except ValueError as exc:
            module.fail_json(msg='memhp printed no JSON document: %s' % exc,
                             rc=rc, cmd=argv, stdout=out, stderr=err)
        if not isinstance(doc, dict) or doc.get('schema') != 1:
            module.fail_json(msg='memhp printed a document of an unknown schema '
                             '(this collection reads schema 1)',
                             rc=rc, cmd=argv, stdout=out, stderr=err)
    if doc is None and rc not in ok_codes:
        module.fail_json(msg=memhp_message(err, rc), rc=rc, cmd=argv,
                         stderr=err)
    return rc, doc, err, argv


def memhp_message(err, rc):
    """memhp's error lines as one message."""
    lines = [line for line in err.splitlines() if line.strip()]
    if lines:
        return ' '.join(lines)
    return 'memhp exited with status %d' % rc
