/* The attacks, each against any target (the test program or rpcbind). Each one measures the
 * child's memory and descriptors around itself (see attack_mem_end) and ends by checking that
 * a normal client is still served. */
#ifndef ATTACKS_H
#define ATTACKS_H

#include "attack.h"

/* 100 connections send a record header claiming 2 GiB (with and without the last-fragment
 * bit), then nothing: each is closed at once, nothing is allocated for the claim. */
void attack_huge_record(const attack_target *t);
/* 100 connections claim a record of exactly the limit and send 1 KiB of it: memory follows
 * the data that arrived, not the claim, and they are closed after the idle timeout. */
void attack_claim_up_to_limit(const attack_target *t);
/* String lengths beyond the bytes that follow, and beyond the declared maximum: each call
 * gets a GARBAGE_ARGS reply (checked byte for byte, TCP and UDP) and the connection lives on. */
void attack_claimed_lengths(const attack_target *t);
/* Wrong rpcvers, unknown flavors, oversized AUTH_SYS and opaque_auth: the RFC 5531 denials,
 * byte for byte; a REPLY sent to the server gets nothing; the connection lives on. */
void attack_denials(const attack_target *t);
/* 1,000 connections trickle a call one byte a second for 5 s: other clients are answered
 * meanwhile, none is closed before the idle timeout, all are closed soon after it. */
void attack_slowloris(const attack_target *t);
/* Connections up to the limit and 100 beyond: exactly 100 are closed at once and the server
 * holds the limit; those held are served. Then every connection held
 * makes a call, as one keeping its slots would: after the eviction delay, 50 newcomers are
 * each served in place of a connection idle the longest, and all is well after. */
void attack_flood(const attack_target *t);
/* Clients killed (SIGKILL) in the middle of a record header and of a record's body: their
 * connections and buffers are released; others are served meanwhile. */
void attack_killed_mid_record(const attack_target *t);
/* A client sends calls as fast as it can and never reads a reply: the server stops reading
 * it (the client's writes stall) with a bounded amount buffered, and serves others. */
void attack_never_reads(const attack_target *t);
/* The server-wide budget test_attack sets for attack_many_never_read. */
#define ATTACK_BUDGET (16 * MIB)
/* 32 clients send calls as fast as they can and never read a reply: what the server holds
 * stays near its budget (ATTACK_BUDGET; each connection alone could hold 4 MiB), it closes
 * those holding the most once it has been over for 2 s, and serves a newcomer meanwhile. */
void attack_many_never_read(const attack_target *t);
/* A client sends calls as fast as it can and reads replies slowly, never catching up, for
 * 3 s: what the server holds for it stays bounded although it drains tens of MB. */
void attack_slow_reader(const attack_target *t);

/* Sends proc a linked list of n elements (TRUE, i % 1000, ..., FALSE) as one record of
 * 8n + 44 bytes on a new connection, which it returns; *sum gets the list's sum. */
int attack_send_list(const attack_target *t, uint32_t proc, uint32_t xid, uint32_t n,
		     int64_t *sum);

#endif
