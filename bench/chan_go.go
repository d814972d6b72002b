// SPDX-License-Identifier: MIT

// bench/chan_go.go - channel ping-pong, Go's side (bench/README.md's
// chan_pingpong and chan_pingpong_xcore):
//
//	chan_go GOMAXPROCS ITERS WARMUP
//
// Two goroutines and two unbuffered channels, one round trip being one
// send each way, as bench/chan_coflow.c does. Prints
// "ns-per-round-trip<TAB>checksum".
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func adder(in <-chan int64, out chan<- int64) {
	for v := range in {
		out <- v + 1
	}
}

func sends(in chan<- int64, out <-chan int64, n int64) int64 {
	var sum int64
	for i := int64(0); i < n; i++ {
		in <- i
		sum += <-out
	}
	return sum
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: chan_go GOMAXPROCS ITERS WARMUP")
		os.Exit(1)
	}
	procs, _ := strconv.Atoi(os.Args[1])
	iters, _ := strconv.ParseInt(os.Args[2], 10, 64)
	warmup, _ := strconv.ParseInt(os.Args[3], 10, 64)
	runtime.GOMAXPROCS(procs)
	in, out := make(chan int64), make(chan int64)
	go adder(in, out)
	sends(in, out, warmup)
	t0 := time.Now()
	sum := sends(in, out, iters)
	ns := float64(time.Since(t0).Nanoseconds()) / float64(iters)
	close(in)
	fmt.Printf("%.2f\t%d\n", ns, sum)
}
