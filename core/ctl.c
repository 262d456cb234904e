/* Control socket: placeholder until fipctl lands (issue 5). */
#include "config.h"

#include "daemon.h"

int
ctl_start(const char *path, const char *conf_path)
{
	return 0;
}

void
ctl_stop(void)
{
}
