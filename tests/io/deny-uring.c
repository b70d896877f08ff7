/* Test helper: runs a command with io_uring made unavailable, the way a
 * container's seccomp profile does it (Docker's default profile answers
 * io_uring_setup with EPERM since 2023; older profiles give ENOSYS).
 * Usage: deny-uring [-e ENOSYS|EPERM] COMMAND [ARG]...
 * Exit status: the command's; 77 when seccomp filters are unavailable here,
 * so a test can skip; 2 for a usage error; 127 when COMMAND cannot run. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The io_uring syscalls have the same numbers on every architecture that
 * uses the generic table, and on x86_64 (Linux 5.1). */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define NATIVE_ARCH AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

static void usage(void)
{
	fprintf(stderr, "usage: deny-uring [-e ENOSYS|EPERM] COMMAND [ARG]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int err = ENOSYS;
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "-e") == 0) {
		if (strcmp(argv[i + 1], "ENOSYS") == 0)
			err = ENOSYS;
		else if (strcmp(argv[i + 1], "EPERM") == 0)
			err = EPERM;
		else
			usage();
		i += 2;
	}
	if (i >= argc)
		usage();

#ifndef NATIVE_ARCH
	fprintf(stderr, "deny-uring: unknown architecture for the seccomp filter\n");
	return 77;
#else
	/* A syscall made through another ABI (x32, 32-bit compat) would dodge
	 * the number check, so any foreign architecture gets the error too. */
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "deny-uring: prctl(PR_SET_NO_NEW_PRIVS): %s\n", strerror(errno));
		return 77;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
		fprintf(stderr, "deny-uring: prctl(PR_SET_SECCOMP): %s\n", strerror(errno));
		return 77;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "deny-uring: cannot run '%s': %s\n", argv[i], strerror(errno));
	return 127;
#endif
}
