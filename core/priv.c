/* Privileges: placeholder until least privilege lands (issue 4). */
#include "config.h"

#include "daemon.h"

int
priv_drop(void)
{
	return 0;
}
