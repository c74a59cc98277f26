//go:build race

package replicatest

// raceEnabled: under the race detector the processes are built with it too
// (a race in kmbridge fails the test), and every process is several times
// slower, so the load test runs on a longer lease (and says so).
const raceEnabled = true
