/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the config parser and --check-config's printer.
 * Input: a config file's bytes. Whatever parses must print as a file that
 * parses again and prints the same (sf_config_print() promises a valid
 * config file); whatever fails must say why in one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* sf_config_print() into a new string; its length in *ret_len. */
static char *config_to_text(const struct sf_config *config, size_t *ret_len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, ret_len);

	if (!out)
		abort();
	sf_config_print(config, out);
	if (fclose(out) != 0)
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_config *config = NULL, *again = NULL;
	char *text, *text_again;
	size_t len, len_again;
	char err[256];
	int r;

	err[0] = '\0';
	r = sf_config_load_data("fuzz.conf", (const char *)data, size, &config,
				err, sizeof(err));
	if (r < 0) {
		if (config || strncmp(err, "fuzz.conf:", 10) != 0 ||
		    strchr(err, '\n'))
			abort();
		return 0;
	}

	text = config_to_text(config, &len);
	r = sf_config_load_data("fuzz.conf", text, len, &again, err,
				sizeof(err));
	if (r < 0) {
		fprintf(stderr, "printed config does not parse: %s\n%s", err,
			text);
		abort();
	}

	text_again = config_to_text(again, &len_again);
	if (len != len_again || memcmp(text, text_again, len) != 0) {
		fprintf(stderr, "printed config changes when re-read:\n%s\n"
			"----\n%s", text, text_again);
		abort();
	}

	free(text_again);
	free(text);
	sf_config_free(again);
	sf_config_free(config);
	return 0;
}
