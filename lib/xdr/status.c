#include "onc/status.h"

#define TEXT(name, text) [ONC_##name] = text,
static const char *const texts[ONC_STATUS_COUNT_] = {ONC_STATUS_LIST(TEXT)};
#undef TEXT

#define NAME(name, text) [ONC_##name] = "ONC_" #name,
static const char *const names[ONC_STATUS_COUNT_] = {ONC_STATUS_LIST(NAME)};
#undef NAME

const char *onc_strerror(onc_status status)
{
	if ((unsigned)status >= ONC_STATUS_COUNT_)
		return "unknown status";
	return texts[status];
}

const char *onc_status_name(onc_status status)
{
	if ((unsigned)status >= ONC_STATUS_COUNT_)
		return "ONC_UNKNOWN_STATUS";
	return names[status];
}
