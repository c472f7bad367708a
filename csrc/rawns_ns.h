/* rawns native shim: the four syscalls Python 3.11 lacks, and named namespace
 * creation made of them (one call: no Python signal handler can run between
 * its steps, so it needs no helper thread). Each returns 0 (or an fd) on
 * success or -errno on failure, so no global errno crosses the FFI boundary.
 * This file is also read as the cffi cdef. */
int rawns_setns(int fd, int nstype);
int rawns_unshare(int flags);
int rawns_mount(const char *source, const char *target, const char *fstype,
                unsigned long flags, const char *data);
int rawns_umount2(const char *target, int flags);
int rawns_netns_create(const char *path);
int rawns_socket_in(int nsfd, int domain, int type, int protocol);
