/* Prometheus endpoint: placeholder until metrics land (issue 5). */
#include "config.h"

#include "daemon.h"

int
metrics_start(const char *listen)
{
	if (listen != NULL && listen[0] != '\0')
		log_warnx("metrics_listen %s: metrics are not built into this "
		    "fipd yet", listen);
	return 0;
}

void
metrics_stop(void)
{
}
