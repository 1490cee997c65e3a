/*
 * hooks.c - running one hook (SPEC section 6) with its standard input
 * given whole, through the engine of hooks_exec.c; and the result's
 * cleanup.
 */
#include <stdlib.h>
#include <string.h>

#include "hooks.h"
#include "hooks_int.h"

static int
more_input(void *ctx, const unsigned char **buf, size_t *len)
{
	const struct secret **input = ctx;

	if (*input == NULL)
		return 0;
	*buf = (*input)->data; /* straight from guarded memory */
	*len = (*input)->len;
	*input = NULL;
	return 1;
}

int
hooks_run(const struct hook_call *call, struct hook_result *result)
{
	const struct secret *input = call->input;
	/* standard error apart: its last line is the hook's own words */
	struct hook_io io = { call, 1, more_input, NULL, &input };

	return hooks_exec(&io, result);
}

void
hook_result_clear(struct hook_result *result)
{
	if (result == NULL)
		return;
	free(result->output);
	free(result->reason);
	free(result->words);
	memset(result, 0, sizeof(*result));
	result->status = HOOK_FAILED;
	result->exit_code = -1;
}
