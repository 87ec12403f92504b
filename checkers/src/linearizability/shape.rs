//! What both searches need to know about a partition's operations besides
//! their inputs: which crashed, how equal crashed ones group, how equal
//! completed ones form classes, and when each returns.

use super::entries::NONE;
use std::hash::Hash;

use rustc_hash::FxHashMap;

pub(crate) struct Shape {
    pub crashed: Vec<bool>,
    /// Dense completed-op index, or group id for crashed ops.
    pub slot: Vec<u32>,
    /// Per group of equal crashed inputs: its members in invocation order.
    pub group_members: Vec<Vec<u32>>,
    /// Completed operations with equal inputs share a class (`NONE` for crashed ones).
    pub class: Vec<u32>,
    pub nclasses: usize,
    /// Completion position of each operation (`usize::MAX` if crashed).
    pub ret_pos: Vec<usize>,
    /// How many operations completed.
    pub completed: u32,
}

impl Shape {
    /// `times[i]`: invoke and completion position (None = crashed) of op i,
    /// ops in invocation order.
    pub fn new<I: Eq + Hash>(inputs: &[I], times: &[(usize, Option<usize>)]) -> Shape {
        let crashed: Vec<bool> = times.iter().map(|t| t.1.is_none()).collect();
        let mut slot = Vec::with_capacity(inputs.len());
        let mut groups: FxHashMap<&I, u32> = FxHashMap::default();
        let mut group_members: Vec<Vec<u32>> = Vec::new();
        let mut completed = 0u32;
        for (i, input) in inputs.iter().enumerate() {
            if crashed[i] {
                let g = *groups.entry(input).or_insert_with(|| {
                    group_members.push(Vec::new());
                    group_members.len() as u32 - 1
                });
                group_members[g as usize].push(i as u32);
                slot.push(g);
            } else {
                slot.push(completed);
                completed += 1;
            }
        }
        let mut classes: FxHashMap<&I, u32> = FxHashMap::default();
        let class: Vec<u32> = inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                if crashed[i] {
                    return NONE;
                }
                let next = classes.len() as u32;
                *classes.entry(input).or_insert(next)
            })
            .collect();
        Shape {
            crashed,
            slot,
            group_members,
            class,
            nclasses: classes.len(),
            ret_pos: times.iter().map(|t| t.1.unwrap_or(usize::MAX)).collect(),
            completed,
        }
    }
}
