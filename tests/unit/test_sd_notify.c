// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include "sd_notify.h"

/* A datagram socket at @name ("@..." abstract, else a path), non-blocking. */
static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[64] = "";

	assert_int_equal(recv(fd, buf, sizeof(buf) - 1, 0), (ssize_t)strlen(want));
	assert_string_equal(buf, want);
}

static void test_path_socket(void **state)
{
	char dir[] = "/tmp/hb-notify-XXXXXX", path[64];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	hb_sd_notify("READY=1");
	expect_datagram(fd, "READY=1");
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void test_abstract_socket(void **state)
{
	char name[64];
	int fd;

	(void)state;
	snprintf(name, sizeof(name), "@hb-notify-test-%d", getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	hb_sd_notify("READY=1");
	expect_datagram(fd, "READY=1");
	close(fd);
}

/* Unset, empty, relative or too long: nothing sent, nothing crashes. */
static void test_no_or_bad_socket(void **state)
{
	char longname[200];

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	hb_sd_notify("READY=1");
	setenv("NOTIFY_SOCKET", "", 1);
	hb_sd_notify("READY=1");
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	hb_sd_notify("READY=1");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	hb_sd_notify("READY=1");
	setenv("NOTIFY_SOCKET", "/nonexistent/hb-notify", 1);
	hb_sd_notify("READY=1");
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_no_or_bad_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
