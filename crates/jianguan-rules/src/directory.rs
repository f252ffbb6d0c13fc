//! Which entities a random-inspection task's object directory takes, and
//! how (the rule behind `draws::store`'s directory; issue 13 moved it here).
//!
//! - An entity under an open case of a participating department is out: it
//!   is being investigated already, and a random visit would only disturb
//!   it a second time (无事不扰; 优化营商环境条例第五十四条 asks that checks of
//!   one entity be merged, not multiplied).
//! - An entity on the key-supervision list for one of the items is taken in
//!   full (重点监管: 优化营商环境条例第五十四条 exempts 特殊行业、重点领域 from
//!   sampling), even when it was inspected recently.
//! - Any other entity inspected under one of the items within the task's
//!   exclusion window is out (the same entity is not drawn again at once).
//! - Everyone else is a candidate.

/// Why an entity is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    UnderCase,
    RecentlyInspected,
}

/// How an entity enters the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Out(Left),
    /// Taken in full from the key list (and listed among the candidates,
    /// so that its stratum's population counts it).
    Full,
    Candidate,
}

pub fn membership(under_case: bool, key_listed: bool, recently_inspected: bool) -> Membership {
    if under_case {
        Membership::Out(Left::UnderCase)
    } else if key_listed {
        Membership::Full
    } else if recently_inspected {
        Membership::Out(Left::RecentlyInspected)
    } else {
        Membership::Candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 无事不扰: an open case keeps even a key-listed entity out.
    #[test]
    fn an_open_case_keeps_the_entity_out_even_from_the_key_list() {
        assert_eq!(membership(true, true, false), Membership::Out(Left::UnderCase));
        assert_eq!(membership(true, false, true), Membership::Out(Left::UnderCase));
    }

    /// 优化营商环境条例第五十四条: key fields are inspected in full, recent
    /// visit or not.
    #[test]
    fn the_key_list_is_taken_in_full_even_after_a_recent_visit() {
        assert_eq!(membership(false, true, true), Membership::Full);
        assert_eq!(membership(false, true, false), Membership::Full);
    }

    #[test]
    fn a_recent_visit_leaves_others_out_and_the_rest_are_candidates() {
        assert_eq!(membership(false, false, true), Membership::Out(Left::RecentlyInspected));
        assert_eq!(membership(false, false, false), Membership::Candidate);
    }
}
