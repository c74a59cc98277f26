// Package tgfmt renders a formatting.Message as Telegram Bot API calls: HTML text
// (parse_mode HTML) within Telegram's limits, photos, audio and venues, inline
// keyboards for buttons and a one-time reply keyboard for input hints. It owns the
// Telegram rules for text (allowed tags, escaping, 4096/1024 UTF-16 limits, splitting)
// and keyboards (callback_data 1–64 bytes, 8 buttons a row, 100 a message), and
// Validate, the check the Telegram adapter's tests run on every message they send.
//
// A message carries one inline keyboard, so a run of titled button groups (the
// welcome's FAQ categories) shares one: each title becomes a header row, a
// full-width button whose callback_data is NoopData, which the adapter answers
// and otherwise ignores.
//
// Everything here is a pure function of its input: no I/O, no clocks, no globals.
// Like every renderer it adds no words of its own; the only strings it makes up are
// language-neutral (bullets, "│", "──────────", "👇", "📂", file sizes such as
// "1.2 MB").
package tgfmt
