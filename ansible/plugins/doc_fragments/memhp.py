# SPDX-License-Identifier: GPL-2.0-or-later
"""Options every memhp module takes: which memhp, which sysfs root."""


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """The common options, as Ansible's documentation fragment."""

    DOCUMENTATION = r'''
options:
  memhp_path:
    description:
      - The memhp program to run.
      - A bare name is looked up in C(PATH) on the managed host.
    type: str
    default: memhp
  sysfs_root:
    description:
      - The directory that stands for C(/) (memhp's C(--sysfs-root)).
      - Leave it unset on real hosts; tests point it at a copy of the tree.
    type: path
requirements:
  - memhp on the managed host (it prints the JSON documents of memhp-json(7))
'''
