/* placeholder until check-mask lands in this branch */
#include "cmd.h"

int cmd_check_mask(int argc, char **argv)
{
    (void)argc, (void)argv;
    return cmd_fail("check-mask", CMD_USAGE, "not yet");
}
