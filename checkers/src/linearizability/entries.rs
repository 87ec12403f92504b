//! The WGL entry list: call and return entries of a partition's operations in
//! real-time order, as a doubly linked list that supports removing an
//! operation ("lift") and putting it back ("unlift") in O(1).

/// No entry.
pub(crate) const NONE: u32 = u32::MAX;
/// The sentinel entry before the first real one.
pub(crate) const HEAD: u32 = 0;

/// The calls and returns of operations in real-time order: (position, is a
/// call, operation). `times[i] = (invoke position, completion position or
/// None)` for operation i.
pub(crate) fn sorted_events(times: &[(usize, Option<usize>)]) -> Vec<(usize, bool, u32)> {
    let mut evs: Vec<(usize, bool, u32)> = Vec::with_capacity(times.len() * 2);
    for (i, &(inv, comp)) in times.iter().enumerate() {
        evs.push((inv, true, i as u32));
        if let Some(c) = comp {
            evs.push((c, false, i as u32));
        }
    }
    // Positions are distinct events, so the order is total; calls sort first on a tie to be safe.
    evs.sort_by_key(|&(pos, call, _)| (pos, !call));
    evs
}

pub(crate) struct Entries {
    pub next: Vec<u32>,
    prev: Vec<u32>,
    /// Operation of each entry.
    pub op: Vec<u32>,
    /// Whether each entry is a call (else a return).
    pub is_call: Vec<bool>,
    /// Call entry of each operation.
    pub call_of: Vec<u32>,
    /// Return entry of each operation (`NONE` for crashed ones: they never return).
    ret_of: Vec<u32>,
}

impl Entries {
    /// `times[i] = (invoke position, completion position or None)` for operation i.
    pub fn new(times: &[(usize, Option<usize>)]) -> Entries {
        let evs = sorted_events(times);
        let n = evs.len() + 1;
        let mut e = Entries {
            next: vec![NONE; n],
            prev: vec![NONE; n],
            op: vec![NONE; n],
            is_call: vec![false; n],
            call_of: vec![NONE; times.len()],
            ret_of: vec![NONE; times.len()],
        };
        for (k, &(_, call, op)) in evs.iter().enumerate() {
            let id = k as u32 + 1;
            e.op[id as usize] = op;
            e.is_call[id as usize] = call;
            if call {
                e.call_of[op as usize] = id;
            } else {
                e.ret_of[op as usize] = id;
            }
            e.prev[id as usize] = id - 1;
            e.next[id as usize - 1] = id;
        }
        e
    }

    fn unlink(&mut self, x: u32) {
        let (p, n) = (self.prev[x as usize], self.next[x as usize]);
        self.next[p as usize] = n;
        if n != NONE {
            self.prev[n as usize] = p;
        }
    }

    fn relink(&mut self, x: u32) {
        let (p, n) = (self.prev[x as usize], self.next[x as usize]);
        self.next[p as usize] = x;
        if n != NONE {
            self.prev[n as usize] = x;
        }
    }

    /// Removes an operation's entries (it has been linearized).
    pub fn lift(&mut self, op: u32) {
        self.unlink(self.call_of[op as usize]);
        let r = self.ret_of[op as usize];
        if r != NONE {
            self.unlink(r);
        }
    }

    /// Puts back the entries of the most recently lifted operation.
    pub fn unlift(&mut self, op: u32) {
        let r = self.ret_of[op as usize];
        if r != NONE {
            self.relink(r);
        }
        self.relink(self.call_of[op as usize]);
    }
}
