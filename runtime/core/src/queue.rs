//! A bounded FIFO with a const-generic capacity, for the stimuli (events and state changes) the
//! host hands the runtime between two `advance_to` calls.
//!
//! Overflow policy: **drop the newest**. A push into a full queue fails, returns
//! [`Full`], and is counted in [`QueueStats::dropped`]; what was already accepted keeps its order
//! and is never lost. The host learns at once (it can run the runtime and retry), and the rules
//! see a prefix of what happened rather than a history with holes in the middle.

/// The queue was full: the item was dropped (and counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// What a queue has seen, for device telemetry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Items accepted.
    pub pushed: u32,
    /// Items refused because the queue was full.
    pub dropped: u32,
    /// The most items it has held at once.
    pub high_water: u16,
}

/// A ring buffer of `N` items of `T`.
#[derive(Clone, Copy, Debug)]
pub struct Queue<T: Copy, const N: usize> {
    items: [T; N],
    head: usize,
    len: usize,
    stats: QueueStats,
}

impl<T: Copy, const N: usize> Queue<T, N> {
    /// An empty queue; `fill` only initialises the storage.
    pub const fn new(fill: T) -> Self {
        Queue { items: [fill; N], head: 0, len: 0, stats: QueueStats { pushed: 0, dropped: 0, high_water: 0 } }
    }

    /// Appends `item`, or drops it if the queue is full.
    pub fn push(&mut self, item: T) -> Result<(), Full> {
        let at = self.head.wrapping_add(self.len).checked_rem(N);
        match at.and_then(|at| self.items.get_mut(at)).filter(|_| self.len < N) {
            Some(slot) => {
                *slot = item;
                self.len = self.len.saturating_add(1);
                self.stats.pushed = self.stats.pushed.saturating_add(1);
                self.stats.high_water = self.stats.high_water.max(u16::try_from(self.len).unwrap_or(u16::MAX));
                Ok(())
            }
            None => {
                self.stats.dropped = self.stats.dropped.saturating_add(1);
                Err(Full)
            }
        }
    }

    /// Removes the oldest item.
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = *self.items.get(self.head)?;
        self.head = self.head.wrapping_add(1).checked_rem(N).unwrap_or(0);
        self.len = self.len.saturating_sub(1);
        Some(item)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub const fn capacity(&self) -> usize {
        N
    }

    pub fn stats(&self) -> QueueStats {
        self.stats
    }

    /// Empties the queue (the counters stay).
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_drop_newest() {
        let mut q: Queue<u8, 3> = Queue::new(0);
        assert_eq!(q.push(1), Ok(()));
        assert_eq!(q.push(2), Ok(()));
        assert_eq!(q.pop(), Some(1));
        assert_eq!(q.push(3), Ok(()));
        assert_eq!(q.push(4), Ok(()));
        assert_eq!(q.push(5), Err(Full));
        assert_eq!([q.pop(), q.pop(), q.pop(), q.pop()], [Some(2), Some(3), Some(4), None]);
        assert_eq!(q.stats(), QueueStats { pushed: 4, dropped: 1, high_water: 3 });
    }

    #[test]
    fn zero_capacity_drops_everything() {
        let mut q: Queue<u8, 0> = Queue::new(0);
        assert_eq!(q.push(1), Err(Full));
        assert_eq!(q.pop(), None);
    }
}
