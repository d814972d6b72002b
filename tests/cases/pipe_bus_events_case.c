/* SPDX-License-Identifier: MIT */
/*
 * pipe_bus_events: expat's events sent into a pipeline of coroutines,
 * buses_to_dicts -> filter_on_field(route=22) ->
 * filter_on_field(direction=North Bound) -> bus_locations, each a body
 * coroutine written as the Python is. Mirrors tests/cases/py/pipe_bus_events.py
 * (SEMANTICS item 67); the XML is the case's 5-bus excerpt, which is also
 * examples/data/buses.xml.
 */
#include <string.h>

#include <coflow/sax.h>

#include "cases/cases.h"

static const char xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<buses>\n"
    "  <bus>\n"
    "    <id>1831</id>\n"
    "    <route>22</route>\n"
    "    <direction>South Bound</direction>\n"
    "    <latitude>41.99031664530436</latitude>\n"
    "    <longitude>-87.67012786865234</longitude>\n"
    "    <finalStop><![CDATA[Clark & Harrison]]></finalStop>\n"
    "  </bus>\n"
    "  <bus>\n"
    "    <id>1485</id>\n"
    "    <route>22</route>\n"
    "    <direction>North Bound</direction>\n"
    "    <latitude>41.880481123924255</latitude>\n"
    "    <longitude>-87.62948191165924</longitude>\n"
    "    <finalStop><![CDATA[Paulina & Howard Terminal]]></finalStop>\n"
    "  </bus>\n"
    "  <bus>\n"
    "    <id>7574</id>\n"
    "    <route>147</route>\n"
    "    <direction>North Bound</direction>\n"
    "    <latitude>41.925682067871094</latitude>\n"
    "    <longitude>-87.63092803955078</longitude>\n"
    "    <finalStop><![CDATA[Paulina & Howard Terminal]]></finalStop>\n"
    "  </bus>\n"
    "  <bus>\n"
    "    <id>1629</id>\n"
    "    <route>22</route>\n"
    "    <direction>North Bound</direction>\n"
    "    <latitude>42.01851969751819</latitude>\n"
    "    <longitude>-87.6730209876751</longitude>\n"
    "    <finalStop><![CDATA[Paulina & Howard Terminal]]></finalStop>\n"
    "  </bus>\n"
    "  <bus>\n"
    "    <id>6842</id>\n"
    "    <route>81</route>\n"
    "    <direction>East Bound</direction>\n"
    "    <latitude>41.96847915649414</latitude>\n"
    "    <longitude>-87.71509087085724</longitude>\n"
    "    <finalStop><![CDATA[Marine Drive & Wilson]]></finalStop>\n"
    "  </bus>\n"
    "</buses>\n";

static FILE *out;

/* A small dict of the bus's child elements. */
#define DICT_TAG 0xD1C7u
#define FIELDS   16
#define TEXT     128

struct dict {
    int n;
    char key[FIELDS][TEXT], val[FIELDS][TEXT];
};

static const char *dict_get(const struct dict *d, const char *key)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->key[i], key) == 0)
            return d->val[i];
    return NULL;
}

static void dict_set(struct dict *d, const char *key, const char *val)
{
    if (d->n < FIELDS) {
        snprintf(d->key[d->n], TEXT, "%s", key);
        snprintf(d->val[d->n], TEXT, "%s", val);
        d->n++;
    }
}

/* `x = yield`: the value sent, or false when GeneratorExit came in. */
static bool receive(cf_value *v)
{
    return cf_yield_catch(cf_none(), v) == CF_YIELDED;
}

/* except GeneratorExit: target.close() */
static cf_value closing(cf_coro *target)
{
    if (!cf_error_is(cf_error_last(), &cf_generator_exit))
        cf_reraise();
    cf_error_clear();
    if (target != NULL)
        cf_close(target, NULL);
    return cf_none();
}

static cf_value buses_to_dicts(void *arg)
{
    cf_coro *target = arg;
    struct dict busdict;
    char fragments[TEXT];
    cf_value v;
    while (receive(&v)) {
        const cf_sax_event *ev = cf_sax_event_of(v);
        if (ev->kind != CF_SAX_START || strcmp(ev->name, "bus") != 0)
            continue; /* state A */
        busdict.n = 0;
        fragments[0] = '\0';
        for (;;) { /* state B */
            if (!receive(&v))
                return closing(target);
            ev = cf_sax_event_of(v);
            if (ev->kind == CF_SAX_START) {
                fragments[0] = '\0';
            } else if (ev->kind == CF_SAX_TEXT) {
                strncat(fragments, ev->text,
                        sizeof fragments - 1 - strlen(fragments));
            } else if (strcmp(ev->name, "bus") != 0) {
                dict_set(&busdict, ev->name, fragments);
            } else {
                fprintf(out, "bus %s complete\n", dict_get(&busdict, "id"));
                cf_send(target, cf_ptr(&busdict, DICT_TAG), NULL);
                break;
            }
        }
    }
    return closing(target);
}

struct field_filter {
    const char *name, *value;
    cf_coro *target;
};

static cf_value filter_on_field(void *arg)
{
    struct field_filter *f = arg;
    cf_value v;
    while (receive(&v)) {
        const struct dict *d = cf_to_ptr(v, DICT_TAG);
        const char *got = dict_get(d, f->name);
        if (got != NULL && strcmp(got, f->value) == 0)
            cf_send(f->target, v, NULL);
    }
    return closing(f->target);
}

static cf_value bus_locations(void *arg)
{
    (void)arg;
    int count = 0;
    cf_value v;
    while (receive(&v)) {
        const struct dict *bus = cf_to_ptr(v, DICT_TAG);
        count++;
        fprintf(out, "%s,%s,\"%s\",%s,%s\n", dict_get(bus, "route"),
                dict_get(bus, "id"), dict_get(bus, "direction"),
                dict_get(bus, "latitude"), dict_get(bus, "longitude"));
    }
    closing(NULL);
    fprintf(out, "bus_locations closed after %d buses\n", count);
    return cf_none();
}

void case_pipe_bus_events(FILE *o)
{
    out = o;
    cf_coro *locations = new_coro(bus_locations, NULL, "bus_locations", true);
    struct field_filter by_direction = {"direction", "North Bound", locations};
    cf_coro *f2 = new_coro(filter_on_field, &by_direction, "filter", true);
    struct field_filter by_route = {"route", "22", f2};
    cf_coro *f1 = new_coro(filter_on_field, &by_route, "filter", true);
    cf_coro *to_dicts = new_coro(buses_to_dicts, f1, "buses_to_dicts", true);

    /* expat_parse(XML, target): parse, then say so, then close. */
    cf_status st =
        cf_sax_source_buffer(NULL, xml, sizeof xml - 1, to_dicts,
                             &(struct cf_sax_opts){.no_close = true}, NULL);
    if (st == CF_RAISED)
        fprintf(out, "error %s\n", err_text());
    fprintf(out, "parse finished, closing pipeline\n");
    cf_close(to_dicts, NULL);

    cf_coro_free(to_dicts);
    cf_coro_free(f1);
    cf_coro_free(f2);
    cf_coro_free(locations);
}
