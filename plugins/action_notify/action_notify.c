/*
 * action_notify: notify scripts on state transitions (issue 4).
 * Placeholder: owns no keys and does nothing yet.
 */
#include <stddef.h>

#include "fipd/plugin.h"

static void	 an_transition(void *, const struct fipd_transition *);

static const struct fipd_action_ops an_ops = {
	.transition = an_transition,
};

FIPD_PLUGIN(
	.name = "action_notify",
	.kind = FIPD_PLUGIN_ACTION,
	.order = 30,
	.action = &an_ops,
);

static void
an_transition(void *ictx, const struct fipd_transition *t)
{
	(void)ictx;
	(void)t;
}
