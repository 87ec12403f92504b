//! The set of linearized operations, kept in a form whose memo key is small
//! and canonical.
//!
//! Completed operations are numbered densely in invocation order; almost all
//! of them below some point are linearized, so the key is that point plus the
//! few linearized ones above it. Crashed operations with equal inputs are
//! interchangeable and always linearized in invocation order, so only how many
//! of each group are linearized matters.

pub(crate) struct LinearizedSet {
    words: Vec<u64>,
    /// Every completed op with a dense index below this is linearized.
    prefix: u32,
    /// How many completed ops are linearized.
    pub count: u32,
    /// Per crashed-op group: how many of its members are linearized.
    pub group_next: Vec<u32>,
    /// Groups with a non-zero count.
    active: Vec<u32>,
}

impl LinearizedSet {
    pub fn new(completed: usize, groups: usize) -> Self {
        LinearizedSet {
            words: vec![0; completed.div_ceil(64) + 1],
            prefix: 0,
            count: 0,
            group_next: vec![0; groups],
            active: Vec::new(),
        }
    }

    fn get(&self, d: u32) -> bool {
        self.words[(d / 64) as usize] >> (d % 64) & 1 == 1
    }

    pub fn insert_completed(&mut self, d: u32) {
        self.words[(d / 64) as usize] |= 1 << (d % 64);
        self.count += 1;
        if d == self.prefix {
            while self.get(self.prefix) {
                self.prefix += 1;
            }
        }
    }

    pub fn remove_completed(&mut self, d: u32) {
        self.words[(d / 64) as usize] &= !(1 << (d % 64));
        self.count -= 1;
        if d < self.prefix {
            self.prefix = d;
        }
    }

    pub fn push_group(&mut self, g: u32) {
        if self.group_next[g as usize] == 0 {
            self.active.push(g);
        }
        self.group_next[g as usize] += 1;
    }

    pub fn pop_group(&mut self, g: u32) {
        self.group_next[g as usize] -= 1;
        if self.group_next[g as usize] == 0
            && let Some(i) = self.active.iter().position(|&x| x == g)
        {
            self.active.swap_remove(i);
        }
    }

    /// The canonical key of the completed part, written over `k`: prefix,
    /// count, then the linearized indices above the prefix.
    pub fn completed_key(&self, k: &mut Vec<u32>) {
        let extras = (self.count - self.prefix) as usize;
        k.clear();
        k.push(self.prefix);
        k.push(self.count);
        let mut found = 0;
        let mut w = (self.prefix / 64) as usize;
        while found < extras && w < self.words.len() {
            let mut bits = self.words[w];
            if w == (self.prefix / 64) as usize {
                bits &= !0u64 << (self.prefix % 64);
            }
            while bits != 0 {
                let b = bits.trailing_zeros();
                k.push(w as u32 * 64 + b);
                found += 1;
                bits &= bits - 1;
            }
            w += 1;
        }
    }

    /// How many of each crashed-op group are used, as (group, count) pairs
    /// in group order (groups with none used left out).
    pub fn used_crashed(&self) -> Box<[(u32, u32)]> {
        let mut groups: Vec<(u32, u32)> = self
            .active
            .iter()
            .map(|&g| (g, self.group_next[g as usize]))
            .collect();
        groups.sort_unstable();
        groups.into_boxed_slice()
    }
}
