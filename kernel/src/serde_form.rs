//! How the generated types write their sets and maps with serde, in `#[serde(with = ..)]`
//! attributes of the fields that hold a `Set` or a `Map`, at any depth.
//!
//! serde's own `BTreeSet` implementation keeps the last of two equal elements, an
//! [`OrdMap`] has no serde implementation of its own, and a map keyed by a struct, a
//! sequence, a set, a map or an option cannot be written as JSON (a JSON object key is a
//! string). The forms here refuse duplicates with a deserialization error (`duplicate map
//! key ..`, `duplicate set element ..`), so that a state read back is exactly the state
//! that was written, and write a map whose key type has no string form as a sequence of
//! `[key, value]` pairs ([`Pairs`]); otherwise, what they write is what serde writes.
//!
//! A form is a type that names how one value type is written: [`Plain`] is the type's own
//! serde implementation, and the others nest, following the field's type down to every
//! set and map in it: `Option<Seq<Set<u64>>>` is written `Opt<Seq<Set<Plain>>>`, and
//! `Map<Point, Set<u64>>` `Pairs<Plain, Set<Plain>>`. Each form has inherent `serialize`
//! and `deserialize` functions, the pair `with` calls.

use crate::OrdMap;
use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Error as _, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How values of type `T` are serialized and deserialized.
pub trait Form<T> {
    /// Writes `value`.
    fn serialize<S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error>;
    /// Reads a value.
    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error>;
}

/// The type's own `Serialize` and `Deserialize`: for a scalar, a struct (whose fields
/// carry their own forms) or a collection with no set or map inside.
#[derive(Debug, Clone, Copy)]
pub struct Plain;

/// An `Option` whose value is written with form `F`: `null` or the value, as serde does.
#[derive(Debug, Clone, Copy)]
pub struct Opt<F>(PhantomData<F>);

/// A `Seq` (`VecDeque`) whose elements are written with form `F`: a sequence.
#[derive(Debug, Clone, Copy)]
pub struct Seq<F>(PhantomData<F>);

/// A `Set` (`BTreeSet`) whose elements are written with form `F`: a sequence in ascending
/// order. Reading one, the elements may come in any order but must be distinct.
#[derive(Debug, Clone, Copy)]
pub struct Set<F>(PhantomData<F>);

/// A `Map` (an [`OrdMap`]) keyed by a type with a string form (a bool, an integer, a string,
/// a newtype of one, an enum), whose values are written with form `V`: a serde map, in
/// ascending key order. Reading one, the keys must be distinct, and in a format that
/// writes keys as strings (a human-readable one, such as JSON) an integer or bool key must
/// be spelt as it is written: an integer in decimal, `-` before a negative one and nothing
/// before any other, without leading zeros (`"7"`, `"-3"`, `"0"`; not `"+7"`, `"07"` or
/// `"-0"`), a bool as `"true"` or `"false"`.
#[derive(Debug, Clone, Copy)]
pub struct Map<V>(PhantomData<V>);

/// A `Map` (an [`OrdMap`]) keyed by any type, keys written with form `K` and values with
/// form `V`: a sequence of `[key, value]` pairs in ascending key order. Reading one, the
/// pairs may come in any order but their keys must be distinct.
#[derive(Debug, Clone, Copy)]
pub struct Pairs<K, V>(PhantomData<(K, V)>);

impl<T: Serialize + DeserializeOwned> Form<T> for Plain {
    fn serialize<S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }
}

/// `value`, serialized with form `F`.
struct Ser<'a, T, F>(&'a T, PhantomData<F>);

fn ser<T, F>(value: &T) -> Ser<'_, T, F> {
    Ser(value, PhantomData)
}

impl<T, F: Form<T>> Serialize for Ser<'_, T, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        F::serialize(self.0, serializer)
    }
}

/// A value deserialized with form `F`.
struct De<T, F>(T, PhantomData<F>);

impl<'de, T, F: Form<T>> Deserialize<'de> for De<T, F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        F::deserialize(deserializer).map(|value| De(value, PhantomData))
    }
}

impl<T, F: Form<T>> Form<Option<T>> for Opt<F> {
    fn serialize<S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            None => serializer.serialize_none(),
            Some(value) => serializer.serialize_some(&ser::<T, F>(value)),
        }
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
        Option::<De<T, F>>::deserialize(deserializer).map(|value| value.map(|v| v.0))
    }
}

impl<T, F: Form<T>> Form<VecDeque<T>> for Seq<F> {
    fn serialize<S: Serializer>(value: &VecDeque<T>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(value.iter().map(ser::<T, F>))
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<VecDeque<T>, D::Error> {
        Vec::<De<T, F>>::deserialize(deserializer)
            .map(|items| items.into_iter().map(|v| v.0).collect())
    }
}

impl<T: Ord + fmt::Debug, F: Form<T>> Form<BTreeSet<T>> for Set<F> {
    fn serialize<S: Serializer>(value: &BTreeSet<T>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(value.iter().map(ser::<T, F>))
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeSet<T>, D::Error> {
        struct Elements<T, F>(PhantomData<(T, F)>);
        impl<'de, T: Ord + fmt::Debug, F: Form<T>> Visitor<'de> for Elements<T, F> {
            type Value = BTreeSet<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of distinct elements")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut set = BTreeSet::new();
                while let Some(De(element, _)) = seq.next_element::<De<T, F>>()? {
                    if set.contains(&element) {
                        return Err(A::Error::custom(format_args!(
                            "duplicate set element {element:?}"
                        )));
                    }
                    set.insert(element);
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(Elements::<T, F>(PhantomData))
    }
}

/// Inserts a deserialized entry, refusing a key already there.
fn insert_new<K: Ord + fmt::Debug, V, E: serde::de::Error>(
    map: &mut OrdMap<K, V>,
    key: K,
    value: V,
) -> Result<(), E> {
    if map.contains_key(&key) {
        return Err(E::custom(format_args!("duplicate map key {key:?}")));
    }
    map.insert(key, value);
    Ok(())
}

impl<K, T, V> Form<OrdMap<K, T>> for Map<V>
where
    K: Ord + fmt::Debug + Serialize + DeserializeOwned,
    V: Form<T>,
{
    fn serialize<S: Serializer>(value: &OrdMap<K, T>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(value.iter().map(|(k, v)| (k, ser::<T, V>(v))))
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OrdMap<K, T>, D::Error> {
        struct Entries<K, T, V>(PhantomData<(K, T, V)>);
        impl<'de, K, T, V> Visitor<'de> for Entries<K, T, V>
        where
            K: Ord + fmt::Debug + DeserializeOwned,
            V: Form<T>,
        {
            type Value = OrdMap<K, T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with distinct keys")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = OrdMap::new();
                while let Some(key) = access.next_key_seed(KeySeed::<K>(PhantomData))? {
                    let De(value, _) = access.next_value::<De<T, V>>()?;
                    insert_new(&mut map, key, value)?;
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(Entries::<K, T, V>(PhantomData))
    }
}

/// Reads a key of a [`Map`]: through [`Spelt`] in a human-readable format, as the key's
/// own `Deserialize` reads it in any other (whose integer keys are integers, not text).
struct KeySeed<K>(PhantomData<K>);

impl<'de, K: Deserialize<'de>> DeserializeSeed<'de> for KeySeed<K> {
    type Value = K;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K, D::Error> {
        if deserializer.is_human_readable() {
            K::deserialize(Spelt(deserializer))
        } else {
            K::deserialize(deserializer)
        }
    }
}

/// A map key's deserializer that takes an integer or bool key given as a string only in
/// the spelling it is written in: an integer in decimal, `-` before a negative one and
/// nothing before any other, without leading zeros (`"7"`, `"-3"`, `"0"`; not `"+7"`,
/// `"07"`, `"-0"`, `" 7"` or `"7.0"`), a bool as `"true"` or `"false"`. Two spellings of
/// one key thus never meet in one map, and what is refused does not depend on the
/// format's own reading of integer keys (`serde_json` before 1.0.101 took `"+7"` and
/// `"07"` as 7). A key given as an integer or a bool is taken as it is; every other type
/// reads as the wrapped deserializer reads it.
struct Spelt<D>(D);

/// The methods of [`Spelt`] that read through the wrapped deserializer's own.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* visitor)
        }
    )*};
}

/// The methods of [`Spelt`] that read an integer: whatever the key is given as, checked by
/// [`IntKey`].
macro_rules! integer {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.deserialize_any(IntKey(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Spelt<D> {
    type Error = D::Error;

    integer!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
    );

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(BoolKey(visitor))
    }

    forward!(
        deserialize_any(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
        deserialize_ignored_any(),
    );

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// An integer key for the visitor `V` of its type: from a string, only in the spelling it
/// is written in (see [`Spelt`]).
struct IntKey<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for IntKey<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<V::Value, E> {
        let digits = key.strip_prefix('-').unwrap_or(key);
        let written = digits.bytes().all(|b| b.is_ascii_digit())
            && match digits.as_bytes() {
                [] => false,
                [b'0'] => digits.len() == key.len(),
                [first, ..] => *first != b'0',
            };
        if !written {
            return Err(E::custom(format_args!(
                "map key {key:?} is not an integer as written: decimal, no `+`, no leading zero, no `-0`"
            )));
        }
        // Spelt as written but out of range of both: refused as the type's visitor would.
        let out_of_range = || E::invalid_value(Unexpected::Str(key), &self);
        if digits.len() == key.len() {
            let n = key.parse::<u64>().map_err(|_| out_of_range())?;
            self.0.visit_u64(n)
        } else {
            let n = key.parse::<i64>().map_err(|_| out_of_range())?;
            self.0.visit_i64(n)
        }
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<V::Value, E> {
        self.0.visit_u64(n)
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<V::Value, E> {
        self.0.visit_i64(n)
    }

    fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<V::Value, E> {
        self.0.visit_u128(n)
    }

    fn visit_i128<E: serde::de::Error>(self, n: i128) -> Result<V::Value, E> {
        self.0.visit_i128(n)
    }
}

/// A bool key for the visitor `V` of its type: from a string, only `"true"` or `"false"`.
struct BoolKey<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for BoolKey<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<V::Value, E> {
        match key {
            "true" => self.0.visit_bool(true),
            "false" => self.0.visit_bool(false),
            _ => Err(E::invalid_value(Unexpected::Str(key), &self)),
        }
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<V::Value, E> {
        self.0.visit_bool(b)
    }
}

impl<K, T, KF, VF> Form<OrdMap<K, T>> for Pairs<KF, VF>
where
    K: Ord + fmt::Debug,
    KF: Form<K>,
    VF: Form<T>,
{
    fn serialize<S: Serializer>(value: &OrdMap<K, T>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            value
                .iter()
                .map(|(k, v)| (ser::<K, KF>(k), ser::<T, VF>(v))),
        )
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OrdMap<K, T>, D::Error> {
        struct Entries<K, T, KF, VF>(PhantomData<(K, T, KF, VF)>);
        impl<'de, K, T, KF, VF> Visitor<'de> for Entries<K, T, KF, VF>
        where
            K: Ord + fmt::Debug,
            KF: Form<K>,
            VF: Form<T>,
        {
            type Value = OrdMap<K, T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of [key, value] pairs with distinct keys")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut map = OrdMap::new();
                while let Some((De(key, _), De(value, _))) =
                    seq.next_element::<(De<K, KF>, De<T, VF>)>()?
                {
                    insert_new(&mut map, key, value)?;
                }
                Ok(map)
            }
        }
        deserializer.deserialize_seq(Entries::<K, T, KF, VF>(PhantomData))
    }
}

/// The inherent `serialize` and `deserialize` that `#[serde(with = "..")]` calls, for the
/// form at the top of a field's type.
macro_rules! with_functions {
    ($($form:ident<$($param:ident),+>),* $(,)?) => {$(
        impl<$($param),+> $form<$($param),+> {
            /// Writes `value` in this form (for `#[serde(with = "..")]`).
            pub fn serialize<T, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
            where
                Self: Form<T>,
            {
                <Self as Form<T>>::serialize(value, serializer)
            }

            /// Reads a value in this form (for `#[serde(with = "..")]`).
            pub fn deserialize<'de, T, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error>
            where
                Self: Form<T>,
            {
                <Self as Form<T>>::deserialize(deserializer)
            }
        }
    )*};
}

with_functions!(Opt<F>, Seq<F>, Set<F>, Map<V>, Pairs<K, V>);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    struct Point {
        x: i64,
        y: i64,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Fields {
        #[serde(with = "Set::<Plain>")]
        at: BTreeSet<Point>,
        #[serde(with = "Map::<Set<Plain>>")]
        tags: OrdMap<String, BTreeSet<u64>>,
        #[serde(with = "Opt::<Seq<Set<Plain>>>")]
        runs: Option<VecDeque<BTreeSet<String>>>,
        #[serde(with = "Map::<Map<Plain>>")]
        nested: OrdMap<u64, OrdMap<bool, i64>>,
        #[serde(with = "Pairs::<Plain, Plain>")]
        by_point: OrdMap<Point, u64>,
        #[serde(with = "Pairs::<Set<Plain>, Map<Plain>>")]
        by_set: OrdMap<BTreeSet<u64>, OrdMap<bool, i64>>,
    }

    fn sample() -> Fields {
        Fields {
            at: BTreeSet::from([Point { x: 2, y: 0 }, Point { x: 1, y: 5 }]),
            tags: OrdMap::from([
                ("b".into(), BTreeSet::from([3, 1])),
                ("a".into(), BTreeSet::new()),
            ]),
            runs: Some(VecDeque::from([BTreeSet::from(["z".into(), "y".into()])])),
            nested: OrdMap::from([(10, OrdMap::from([(true, -1)])), (9, OrdMap::new())]),
            by_point: OrdMap::from([(Point { x: 2, y: 0 }, 7), (Point { x: 1, y: 5 }, 8)]),
            by_set: OrdMap::from([(BTreeSet::from([2, 1]), OrdMap::from([(true, -1)]))]),
        }
    }

    fn sample_json() -> serde_json::Value {
        json!({
            "at": [{ "x": 1, "y": 5 }, { "x": 2, "y": 0 }],
            "tags": { "a": [], "b": [1, 3] },
            "runs": [["y", "z"]],
            "nested": { "9": {}, "10": { "true": -1 } },
            "by_point": [[{ "x": 1, "y": 5 }, 8], [{ "x": 2, "y": 0 }, 7]],
            "by_set": [[[1, 2], { "true": -1 }]],
        })
    }

    /// `sample_json` as text with `field` replaced by `value`, written as is (so that it
    /// may repeat an object key, which a `serde_json::Value` cannot hold).
    fn with_field(field: &str, value: &str) -> String {
        let mut object = sample_json();
        object[field] = json!("HOLE");
        object.to_string().replace("\"HOLE\"", value)
    }

    fn read(text: &str) -> Result<Fields, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn forms_write_what_serde_writes_and_read_it_back() {
        let written = serde_json::to_value(sample()).expect("serializes");
        assert_eq!(written, sample_json());
        assert_eq!(read(&written.to_string()), Ok(sample()));
        // Elements and keys in any order read back the same.
        let shuffled = with_field("at", r#"[{"x":2,"y":0},{"x":1,"y":5}]"#);
        assert_eq!(read(&shuffled), Ok(sample()));
        assert_eq!(
            read(&with_field("tags", r#"{"b":[3,1],"a":[]}"#)),
            Ok(sample())
        );
        let shuffled = with_field("by_point", r#"[[{"x":2,"y":0},7],[{"x":1,"y":5},8]]"#);
        assert_eq!(read(&shuffled), Ok(sample()));
        let none = Fields {
            runs: None,
            ..sample()
        };
        assert_eq!(read(&with_field("runs", "null")), Ok(none));
    }

    #[test]
    fn a_map_is_written_as_serde_writes_it() {
        let map = OrdMap::from([(3u64, BTreeSet::from([1u64])), (10, BTreeSet::new())]);
        let mut out = Vec::new();
        Map::<Set<Plain>>::serialize(&map, &mut serde_json::Serializer::new(&mut out))
            .expect("serializes");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            serde_json::to_string(&std::collections::BTreeMap::from(map)).expect("serializes")
        );
    }

    #[test]
    fn duplicates_are_refused() {
        for (field, value, message) in [
            (
                "tags",
                r#"{"a":[],"b":[1],"a":[2]}"#,
                r#"duplicate map key "a""#,
            ),
            ("tags", r#"{"a":[1,1],"b":[]}"#, "duplicate set element 1"),
            (
                "runs",
                r#"[["y"],["x","y","x"]]"#,
                r#"duplicate set element "x""#,
            ),
            (
                "at",
                r#"[{"x":1,"y":5},{"x":2,"y":0},{"x":1,"y":5}]"#,
                "duplicate set element Point { x: 1, y: 5 }",
            ),
            // Equal once read: a struct given as an array of its fields.
            (
                "at",
                r#"[{"x":1,"y":5},[1,5]]"#,
                "duplicate set element Point { x: 1, y: 5 }",
            ),
            (
                "nested",
                r#"{"9":{},"10":{"true":1,"true":1}}"#,
                "duplicate map key true",
            ),
            (
                "by_point",
                r#"[[{"x":1,"y":5},8],[{"x":1,"y":5},9]]"#,
                "duplicate map key Point { x: 1, y: 5 }",
            ),
            // Keys equal once read: the same set, listed in another order.
            (
                "by_set",
                r#"[[[1,2],{}],[[2,1],{}]]"#,
                "duplicate map key {1, 2}",
            ),
            ("by_set", r#"[[[1,1],{}]]"#, "duplicate set element 1"),
            (
                "by_set",
                r#"[[[1],{"true":1,"true":1}]]"#,
                "duplicate map key true",
            ),
        ] {
            let err = read(&with_field(field, value)).expect_err(value);
            assert!(err.starts_with(message), "{value}: {err}");
        }
    }

    /// The keys of a [`Map`] of `K` read from string keys by serde's own deserializers,
    /// which never read an integer or a bool from a string: what is taken is [`Spelt`]'s
    /// doing.
    fn keys_from_strings<K>(keys: &[&str]) -> Result<Vec<K>, String>
    where
        K: Ord + fmt::Debug + Serialize + DeserializeOwned,
    {
        let entries = keys.iter().map(|k| (*k, 1u64));
        let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(entries);
        Map::<Plain>::deserialize::<OrdMap<K, u64>, _>(de)
            .map(|map| map.into_iter().map(|(k, _)| k).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integer_and_bool_keys_given_as_strings_are_spelt_as_written() {
        assert_eq!(
            keys_from_strings::<u64>(&["7", "0", "18446744073709551615"]),
            Ok(vec![0, 7, u64::MAX])
        );
        assert_eq!(
            keys_from_strings::<i64>(&["-3", "0", "3", "-9223372036854775808"]),
            Ok(vec![i64::MIN, -3, 0, 3])
        );
        assert_eq!(
            keys_from_strings::<bool>(&["true", "false"]),
            Ok(vec![false, true])
        );
        for key in [
            "+7", "07", "00", "-0", "-07", " 7", "7 ", "7.0", "7e0", "0x7", "", "-",
        ] {
            for read in [
                keys_from_strings::<u64>(&[key]).map(|_| ()),
                keys_from_strings::<i64>(&[key]).map(|_| ()),
            ] {
                let err = read.expect_err(key);
                assert!(
                    err.contains("is not an integer as written"),
                    "{key:?}: {err}"
                );
            }
        }
        // Spelt as written, but not a value of the type.
        for (key, err) in [
            (
                keys_from_strings::<u64>(&["18446744073709551616"]).map(|_| ()),
                "invalid value: string \"18446744073709551616\", expected u64",
            ),
            (
                keys_from_strings::<u64>(&["-1"]).map(|_| ()),
                "invalid value: integer `-1`, expected u64",
            ),
            (
                keys_from_strings::<i64>(&["9223372036854775808"]).map(|_| ()),
                "invalid value: integer `9223372036854775808`, expected i64",
            ),
        ] {
            assert_eq!(key, Err(err.to_string()));
        }
        for key in ["True", "TRUE", "1", " true", ""] {
            assert!(keys_from_strings::<bool>(&[key]).is_err(), "{key:?}");
        }
        // Strings are their own spelling.
        assert_eq!(
            keys_from_strings::<String>(&["+7", "07"]),
            Ok(vec!["+7".to_string(), "07".to_string()])
        );
    }

    #[test]
    fn keys_given_as_integers_or_bools_are_taken_as_they_are() {
        let read = |entries: Vec<(i64, u64)>| {
            let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
                entries.into_iter(),
            );
            Map::<Plain>::deserialize::<OrdMap<i64, u64>, _>(de)
        };
        assert_eq!(
            read(vec![(-3, 1), (7, 2)]),
            Ok(OrdMap::from([(-3, 1), (7, 2)]))
        );
        let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
            [(true, 1u64)].into_iter(),
        );
        assert_eq!(
            Map::<Plain>::deserialize::<OrdMap<bool, u64>, _>(de),
            Ok(OrdMap::from([(true, 1)]))
        );
    }

    #[test]
    fn pairs_have_exactly_two_elements() {
        assert_eq!(
            read(&with_field("by_point", "[]")).map(|f| f.by_point.len()),
            Ok(0)
        );
        for value in [
            r#"[[{"x":1,"y":5}]]"#,
            r#"[[{"x":1,"y":5},8,9]]"#,
            r#"{"a":1}"#,
        ] {
            assert!(
                read(&with_field("by_point", value)).is_err(),
                "{value} was accepted"
            );
        }
    }

    proptest::proptest! {
        /// Entries in any order, keys possibly repeated, read through `Map` (a JSON object)
        /// and `Pairs` (an array of pairs): distinct keys read back the map a `BTreeMap`
        /// holds, whichever of its parts each entry lands in, and write back what serde
        /// writes for that `BTreeMap`; a repeated key is refused.
        #[test]
        fn maps_in_any_order_read_back_equal_and_refuse_repeated_keys(
            entries in proptest::collection::vec((0..40u64, 0..3u64), 0..40),
        ) {
            let model: std::collections::BTreeMap<u64, u64> = entries.iter().copied().collect();
            let distinct = model.len() == entries.len();
            let object = format!(
                "{{{}}}",
                entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            let pairs = format!(
                "[{}]",
                entries.iter().map(|(k, v)| format!("[{k},{v}]")).collect::<Vec<_>>().join(",")
            );
            let by_map = Map::<Plain>::deserialize::<OrdMap<u64, u64>, _>(
                &mut serde_json::Deserializer::from_str(&object),
            );
            let by_pairs = Pairs::<Plain, Plain>::deserialize::<OrdMap<u64, u64>, _>(
                &mut serde_json::Deserializer::from_str(&pairs),
            );
            for read in [by_map, by_pairs] {
                match read {
                    Ok(map) => {
                        proptest::prop_assert!(distinct, "a repeated key was accepted");
                        proptest::prop_assert!(map.iter().eq(model.iter()));
                        proptest::prop_assert_eq!(&map, &OrdMap::from(model.clone()));
                        let mut out = Vec::new();
                        Map::<Plain>::serialize(&map, &mut serde_json::Serializer::new(&mut out))
                            .expect("serializes");
                        proptest::prop_assert_eq!(
                            String::from_utf8(out).expect("UTF-8"),
                            serde_json::to_string(&model).expect("serializes")
                        );
                    }
                    Err(err) => {
                        proptest::prop_assert!(!distinct, "distinct keys refused: {}", err);
                        proptest::prop_assert!(err.to_string().starts_with("duplicate map key"));
                    }
                }
            }
        }
    }
}
