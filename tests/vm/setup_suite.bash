# bats runs this around every run of files in tests/vm: the guests that
# files share (vm_boot --shared, vm_helper.bash) outlive the file that
# booted them and end here, when the run does.
load vm_helper

setup_suite() { :; }
teardown_suite() { vm_share_end_all; }
