# Mounting and entering the cached Debian 13 tree that tools/pg-build 17
# creates (a debootstrap chroot with Debian's PostgreSQL 17), sourced by
# tools/pg-build and tests/pg17.sh.
#
# The tree shares the host's network (the local endpoint on loopback is
# reachable as it is) and, while a test runs, the host's /tmp (bind mount),
# so the paths tools/endpoint.sh exports (token files, the postmaster
# environment file, $CKS_TEST_LOG) mean the same inside and out.  Every
# mount is undone by chroot_umount, which the callers run from an EXIT
# trap; it also clears what a killed earlier run left mounted, and is safe
# to call twice.  Nothing under a tree is ever removed while something is
# mounted there (chroot_remove refuses, and removes with --one-file-system).

# chroot_mounts ROOT: the mount points below ROOT, deepest first.
chroot_mounts() {
  local root
  root=$(readlink -f "$1")
  awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r
}

# chroot_umount ROOT: unmount everything below ROOT (lazily when busy).
chroot_umount() {
  local m
  for m in $(chroot_mounts "$1"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
      echo "chroot: could not unmount $m" >&2
  done
  [ -z "$(chroot_mounts "$1")" ]
}

# chroot_mount ROOT [tmp]: /proc, a private /dev/shm (PostgreSQL's dynamic
# shared memory) and, with "tmp", the host's /tmp.  Fails (and leaves
# nothing mounted) when a mount fails.
chroot_mount() {
  local root=$1
  chroot_umount "$root" || return 1
  mount -t proc proc "$root/proc" &&
    mount -t tmpfs -o mode=1777,size=512m shm "$root/dev/shm" &&
    if [ "${2:-}" = tmp ]; then
      mount --bind /tmp "$root/tmp" && mount --make-private "$root/tmp"
    fi && return 0
  chroot_umount "$root"
  return 1
}

# chroot_remove DIR: rm -rf DIR, never across a mount point.
chroot_remove() {
  [ -e "$1" ] || return 0
  chroot_umount "$1" || { echo "chroot: $1 still has mounts; not removed" >&2; return 1; }
  rm -rf --one-file-system "$1"
}

# chroot_run ROOT SECONDS COMMAND...: COMMAND as root inside ROOT with a
# clean PATH (17's binaries first), the rest of the environment as the
# caller's, killed after SECONDS (and KILLed 30 s later).
chroot_run() {
  local root=$1 seconds=$2
  shift 2
  timeout -k 30 "$seconds" env \
    PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=/root chroot "$root" "$@"
}
