// SPDX-License-Identifier: GPL-2.0-only
/* --allow-bind values: hb_bind_rule_parse() and the map key it leads to. */
#include <errno.h>
#include "bind_rule.h"
#include "fuzz.h"

/* What policy show prints (hb_bind_rule_format), through the key, reads back the same. */
static void check_shown(const struct hb_bind_rule *r)
{
	struct hb_bind_rule from_key, again;
	struct hb_bind_key key;
	char text[80], why[160];

	hb_bind_rule_key(r, 42, &key);
	FUZZ_CHECK(key.sandbox_id == 42 && !key.pad && key.port == r->port);
	hb_bind_rule_from_key(&key, &from_key);
	FUZZ_CHECK(!memcmp(&from_key, r, sizeof(*r)));
	FUZZ_CHECK(hb_bind_rule_format(r, text, sizeof(text)) < (int)sizeof(text));
	FUZZ_CHECK(hb_bind_rule_parse(text, &again, why, sizeof(why)) == 0);
	FUZZ_CHECK(!memcmp(&again, r, sizeof(*r)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstr(data, size), why[160];
	struct hb_bind_rule r;
	int err;

	if (!spec)
		return 0;
	memset(why, 'x', sizeof(why));
	err = hb_bind_rule_parse(spec, &r, why, sizeof(why));
	if (err) {
		FUZZ_CHECK(err == -EINVAL);
		/* The reason is printed to the user: one printable line. */
		FUZZ_CHECK(why[0] && fuzz_printable(why, sizeof(why)));
	} else {
		/* Never port 0 (the kernel's pick), one of two protocols. */
		FUZZ_CHECK(r.port != 0);
		FUZZ_CHECK(r.proto == HB_IPPROTO_TCP || r.proto == HB_IPPROTO_UDP);
		for (size_t i = 0; r.any && i < sizeof(r.addr); i++)
			FUZZ_CHECK(!r.addr[i]);
		check_shown(&r);
	}
	free(spec);
	return 0;
}
