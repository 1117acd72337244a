// SPDX-License-Identifier: GPL-2.0-only
/* /etc/resolv.conf text, as the DNS proxy reads it for its upstreams. */
#include <netinet/in.h>
#include "fuzz.h"
#include "resolv_conf.h"

static void check_server(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	FUZZ_CHECK(ss->ss_family == AF_INET || ss->ss_family == AF_INET6);
	if (ss->ss_family == AF_INET)
		FUZZ_CHECK(sin->sin_port == htons(53));
	else
		FUZZ_CHECK(sin6->sin6_port == htons(53));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage *out;
	FILE *f;
	int n;

	/* glibc's fmemopen() refuses an empty buffer. */
	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	/* Exactly MAXNS entries, so that ASan sees a write past them. */
	out = malloc(HB_RESOLV_MAX_NS * sizeof(*out));
	if (f && out) {
		n = hb_resolv_conf_parse(f, out, HB_RESOLV_MAX_NS);
		FUZZ_CHECK(n >= 0 && n <= HB_RESOLV_MAX_NS);
		for (int i = 0; i < n; i++)
			check_server(&out[i]);
	}
	if (f)
		fclose(f);
	free(out);
	return 0;
}
