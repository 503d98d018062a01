"""A passthrough FUSE file system whose writes can be made to fail, for the disk fault test.

Usage (as root, with Debian's /usr/bin/python3 and python3-fusepy):

    /usr/bin/python3 faulty-fs.py BACKING MOUNTPOINT CONTROL

It mirrors the directory BACKING at MOUNTPOINT and runs in the foreground until unmounted.
CONTROL is a file outside the mount; its content, read on every operation that changes the
file system, says what those operations do:

    ok     pass through to BACKING (also when CONTROL is missing or holds anything else)
    eio    fail with EIO: the disk failed
    erofs  fail with EROFS: the file system went read-only

Operations that only read (lookups, read, readdir, statfs, open for reading) always pass
through, so a node that already has its files open keeps reading them, as on a real disk that
failed under writes or was remounted read-only. Linux refuses a real read-only remount while
a process has files open for writing, which is why the test needs this.
"""

import errno
import os
import sys

from fusepy import FUSE, FuseOSError, Operations

# Flags that make open() a write: these fail while a fault is on.
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

FAULTS = {"eio": errno.EIO, "erofs": errno.EROFS}


class FaultyFs(Operations):
    """FaultyFs passes every operation through to `backing`, failing writes while told to."""

    use_ns = True

    def __init__(self, backing, control):
        self.backing = os.path.realpath(backing)
        self.control = control

    def _real(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def _check(self):
        """Raises the configured fault, if one is on. Read every time: the test flips it at will."""
        try:
            with open(self.control) as file:
                fault = FAULTS.get(file.read().strip())
        except FileNotFoundError:
            fault = None
        if fault is not None:
            raise FuseOSError(fault)

    def __call__(self, op, *args):
        # Every OSError of the backing directory goes back to the caller with its errno.
        try:
            return getattr(self, op)(*args)
        except OSError as error:
            if isinstance(error, FuseOSError):
                raise
            raise FuseOSError(error.errno or errno.EIO) from error

    # Reads: always pass through.

    def init(self, path):
        print("faulty-fs: mounted", flush=True)

    def access(self, path, mode):
        if not os.access(self._real(path), mode):
            raise FuseOSError(errno.EACCES)

    def getattr(self, path, fh=None):
        st = os.lstat(self._real(path)) if fh is None else os.fstat(fh)
        keys = ("st_atime_ns", "st_ctime_ns", "st_mtime_ns", "st_gid", "st_mode", "st_nlink", "st_size", "st_uid", "st_blocks", "st_blksize")
        attrs = {key.replace("_ns", ""): getattr(st, key) for key in keys}
        return attrs

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._real(path))

    def readlink(self, path):
        return os.readlink(self._real(path))

    def statfs(self, path):
        st = os.statvfs(self._real(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")
        return {key: getattr(st, key) for key in keys}

    def open(self, path, flags):
        if flags & WRITE_FLAGS:
            self._check()
        return os.open(self._real(path), flags)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    # Writes: fail while a fault is on.

    def create(self, path, mode, fi=None):
        self._check()
        return os.open(self._real(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)

    def write(self, path, data, offset, fh):
        self._check()
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        self._check()
        if fh is None:
            os.truncate(self._real(path), length)
        else:
            os.ftruncate(fh, length)

    def fsync(self, path, datasync, fh):
        self._check()
        if datasync:
            os.fdatasync(fh)
        else:
            os.fsync(fh)
        return 0

    def fsyncdir(self, path, datasync, fh):
        self._check()
        return 0

    def mkdir(self, path, mode):
        self._check()
        os.mkdir(self._real(path), mode)

    def rmdir(self, path):
        self._check()
        os.rmdir(self._real(path))

    def unlink(self, path):
        self._check()
        os.unlink(self._real(path))

    def rename(self, old, new):
        self._check()
        os.rename(self._real(old), self._real(new))

    def link(self, target, source):
        self._check()
        os.link(self._real(source), self._real(target))

    def symlink(self, target, source):
        self._check()
        os.symlink(source, self._real(target))

    def chmod(self, path, mode):
        self._check()
        os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        self._check()
        os.chown(self._real(path), uid, gid)

    def utimens(self, path, times=None):
        self._check()
        if times is None:
            os.utime(self._real(path))
        else:
            os.utime(self._real(path), ns=times)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: faulty-fs.py BACKING MOUNTPOINT CONTROL")
    backing, mountpoint, control = sys.argv[1:]
    # Foreground (the test owns the process); several threads so a slow fsync does not stall
    # reads. Root mounts it and only root uses it, so allow_other is not needed.
    FUSE(FaultyFs(backing, control), mountpoint, foreground=True, nothreads=False, fsname="raftkit-faulty-fs")
