/* Unit test suites (Check), one per area; run by t/check_fipd.c. */
#ifndef CHECK_FIPD_H
#define CHECK_FIPD_H

#include <check.h>

Suite *suite_packet(void);	/* t/check_packet.c: codec, CONFORMANCE 1-38 */
Suite *suite_fsm(void);		/* t/check_fsm.c: timers and FSM, 39-68 */
Suite *suite_config(void);	/* t/check_config.c: loader, FILE:LINE errors */
Suite *suite_plugin(void);	/* t/check_plugin.c: loader ABI refusals */

#endif
