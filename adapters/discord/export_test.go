package discordadapter

import "reflect"

// RateLimitBuckets lists the keys of the rate-limit buckets discordgo's
// session holds: they must not grow with every interaction.
func RateLimitBuckets(a *Adapter) []string {
	rl := a.gw.s.Ratelimiter
	rl.Lock()
	defer rl.Unlock()
	m := reflect.ValueOf(rl).Elem().FieldByName("buckets")
	keys := make([]string, 0, m.Len())
	for _, k := range m.MapKeys() {
		keys = append(keys, k.String())
	}
	return keys
}
