package bridge

// LiveConversations is the number of conversations with a queue (waiting or
// running events): an idle conversation has none.
func (c *Core) LiveConversations() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.convs)
}
