// bench/echo_go.go - Go's net echo server on 127.0.0.1 (prints its port).
package main

import (
	"fmt"
	"net"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			buf := make([]byte, 65536)
			for {
				n, err := c.Read(buf)
				if err != nil || n == 0 {
					break
				}
				if _, err := c.Write(buf[:n]); err != nil {
					break
				}
			}
			c.Close()
		}(c)
	}
}
