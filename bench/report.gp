# SPDX-License-Identifier: MIT
# bench/report.gp - the round-trip plot of build/bench/report.png.
#
#   gnuplot -e "datafile='roundtrip.dat'; outfile='report.png'; term='pngcairo'" bench/report.gp
#
# datafile columns: system, median ns, min ns, max ns, bar colour (0xRRGGBB);
# one line per system, fastest first.

if (!exists("term")) term = "pngcairo"
if (term eq "pngcairo") {
    set terminal pngcairo size 1100,600 noenhanced font "sans,10"
} else {
    set terminal png size 1100,600 noenhanced
}
set output outfile

set title "roundtrip: send a value in, get the next yielded value back (median, min-max bars)"
set ylabel "ns per round trip (log scale)"
set logscale y
set yrange [1:*]
set grid ytics mytics
set xtics rotate by -35 nomirror
set xrange [-0.6:*]
set boxwidth 0.7
set style fill solid 0.8 border -1
set bmargin 7

plot datafile using 0:2:5:xtic(1) with boxes lc rgb variable notitle, \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt -1 notitle, \
     '' using 0:4:(sprintf("%.1f", $2)) with labels offset 0,0.8 notitle
