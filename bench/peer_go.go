// SPDX-License-Identifier: MIT

// bench/peer_go.go - Go's goroutines, GOMAXPROCS=1:
//
//	peer_go BENCHMARK SYSTEM ITERS WARMUP
//
// prints "ns-per-operation<TAB>checksum" as the C programs do.
//
// roundtrip: a ping-pong over two unbuffered channels; the goroutine sends
// back each value plus one. create_destroy: `go` a new goroutine, one round
// trip (its first "yield"), then close its input, which ends it; Go has no
// way to destroy a goroutine from outside.
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

func roundtrip(iters, warmup int64) (float64, int64) {
	in, out := make(chan int64), make(chan int64)
	go adder(in, out)
	sends(in, out, warmup)
	t0 := time.Now()
	sum := sends(in, out, iters)
	ns := time.Since(t0).Nanoseconds()
	close(in)
	return float64(ns) / float64(iters), sum
}

func createDestroy(n int64) int64 {
	var sum int64
	for i := int64(0); i < n; i++ {
		in, out := make(chan int64), make(chan int64)
		go adder(in, out)
		in <- 0
		sum += <-out
		close(in)
	}
	return sum
}

func main() {
	runtime.GOMAXPROCS(1)
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: peer_go BENCHMARK SYSTEM ITERS WARMUP")
		os.Exit(1)
	}
	iters, _ := strconv.ParseInt(os.Args[3], 10, 64)
	warmup, _ := strconv.ParseInt(os.Args[4], 10, 64)
	var ns float64
	var sum int64
	switch os.Args[1] {
	case "roundtrip":
		ns, sum = roundtrip(iters, warmup)
	case "create_destroy":
		createDestroy(warmup)
		t0 := time.Now()
		sum = createDestroy(iters)
		ns = float64(time.Since(t0).Nanoseconds()) / float64(iters)
	default:
		fmt.Fprintln(os.Stderr, "peer_go: no case", os.Args[1])
		os.Exit(1)
	}
	fmt.Printf("%.3f\t%d\n", ns, sum)
}
