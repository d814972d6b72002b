/* SPDX-License-Identifier: MIT */
/*
 * bench/peer_lua_capi.c - Lua 5.4 coroutines driven from C with
 * lua_resume(): the value goes in as the resume's argument and comes back
 * as the yield's. create_destroy: lua_newthread, one resume to the first
 * yield, lua_resetthread (5.4.4's close), and the thread left to the
 * collector, whose cost is amortized into the figure.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bench.h"

static const char adder_src[] =
    "return function(v)\n"
    "  while true do v = coroutine.yield(v + 1) end\n"
    "end\n";

static lua_State *open_lua(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL)
        bench_cannot("luaL_newstate failed");
    luaL_openlibs(L);
    if (luaL_dostring(L, adder_src) != LUA_OK)
        bench_cannot(lua_tostring(L, -1));
    return L; /* the adder function is on top */
}

/* A new thread on top of L's stack, holding the adder function. */
static lua_State *new_coroutine(lua_State *L, int fn)
{
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, fn);
    lua_xmove(L, co, 1);
    return co;
}

static int64_t resume(lua_State *L, lua_State *co, int64_t v)
{
    int nres;
    lua_pushinteger(co, v);
    if (lua_resume(co, L, 1, &nres) != LUA_YIELD) {
        fprintf(stderr, "lua_resume: %s\n", lua_tostring(co, -1));
        exit(1);
    }
    int64_t r = lua_tointeger(co, -1);
    lua_pop(co, nres);
    return r;
}

static int64_t sends(lua_State *L, lua_State *co, long iters)
{
    int64_t sum = 0;
    for (long i = 0; i < iters; i++)
        sum += resume(L, co, i);
    return sum;
}

static double roundtrip(long iters, long warmup, int64_t *check)
{
    lua_State *L = open_lua();
    lua_State *co = new_coroutine(L, lua_gettop(L));
    sends(L, co, warmup);
    uint64_t t0 = bench_now_ns();
    *check = sends(L, co, iters);
    uint64_t t1 = bench_now_ns();
    lua_close(L);
    return bench_per_op(t0, t1, iters);
}

static int64_t create_destroy_loop(lua_State *L, long iters)
{
    int fn = lua_gettop(L);
    int64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        lua_State *co = new_coroutine(L, fn);
        sum += resume(L, co, 0);
        lua_resetthread(co);
        lua_pop(L, 1);
    }
    return sum;
}

static double create_destroy(long iters, long warmup, int64_t *check)
{
    lua_State *L = open_lua();
    create_destroy_loop(L, warmup);
    uint64_t t0 = bench_now_ns();
    *check = create_destroy_loop(L, iters);
    uint64_t t1 = bench_now_ns();
    lua_close(L);
    return bench_per_op(t0, t1, iters);
}

static const struct bench_case cases[] = {
    {"roundtrip", "lua-capi", roundtrip},
    {"create_destroy", "lua-capi", create_destroy},
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
