//! The export as Apache Parquet: one row group, one optional (nullable) column per export
//! column, typed, so that pandas, polars and DuckDB read numbers as numbers.

use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::Result;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::{Column, Values};

/// The Parquet bytes of `columns`.
pub fn encode(columns: &[Column]) -> Result<Vec<u8>> {
    let fields = columns
        .iter()
        .map(|c| {
            let (physical, logical) = match c.values {
                Values::Text(_) => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
                Values::Float(_) => (PhysicalType::DOUBLE, None),
                Values::Int(_) => (PhysicalType::INT64, None),
                Values::Bool(_) => (PhysicalType::BOOLEAN, None),
            };
            Type::primitive_type_builder(&c.name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>>>()?;
    let schema = Arc::new(
        Type::group_type_builder("goodhart_results")
            .with_fields(fields)
            .build()?,
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_created_by(format!("goodhart {}", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, props)?;
    let mut group = writer.next_row_group()?;
    let mut k = 0;
    while let Some(mut col) = group.next_column()? {
        let values = &columns[k].values;
        k += 1;
        match values {
            Values::Text(v) => {
                let (data, levels) = split(v, |s| ByteArray::from(s.as_str()));
                col.typed::<ByteArrayType>()
                    .write_batch(&data, Some(&levels), None)?;
            }
            Values::Float(v) => {
                let (data, levels) = split(v, |x| *x);
                col.typed::<DoubleType>()
                    .write_batch(&data, Some(&levels), None)?;
            }
            Values::Int(v) => {
                let (data, levels) = split(v, |x| *x);
                col.typed::<Int64Type>()
                    .write_batch(&data, Some(&levels), None)?;
            }
            Values::Bool(v) => {
                let (data, levels) = split(v, |x| *x);
                col.typed::<BoolType>()
                    .write_batch(&data, Some(&levels), None)?;
            }
        }
        col.close()?;
    }
    group.close()?;
    writer.close()?;
    Ok(out)
}

/// The present values and the definition levels (1 present, 0 null) of an optional column.
fn split<T, U>(values: &[Option<T>], f: impl Fn(&T) -> U) -> (Vec<U>, Vec<i16>) {
    let levels = values.iter().map(|v| i16::from(v.is_some())).collect();
    let data = values.iter().flatten().map(f).collect();
    (data, levels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    #[test]
    fn round_trips_types_and_nulls() {
        let cols = vec![
            Column {
                name: "name".into(),
                values: Values::Text(vec![Some("boat_race".into()), None]),
            },
            Column {
                name: "gap".into(),
                values: Values::Float(vec![Some(100.0), None]),
            },
            Column {
                name: "param.episodes".into(),
                values: Values::Int(vec![None, Some(2000)]),
            },
            Column {
                name: "exact".into(),
                values: Values::Bool(vec![Some(true), Some(false)]),
            },
        ];
        let bytes = encode(&cols).unwrap();
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 2);
        let rows: Vec<Vec<Field>> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| {
                r.unwrap()
                    .get_column_iter()
                    .map(|(_, f)| f.clone())
                    .collect()
            })
            .collect();
        assert_eq!(
            rows[0],
            vec![
                Field::Str("boat_race".into()),
                Field::Double(100.0),
                Field::Null,
                Field::Bool(true)
            ]
        );
        assert_eq!(
            rows[1],
            vec![
                Field::Null,
                Field::Null,
                Field::Long(2000),
                Field::Bool(false)
            ]
        );
    }
}
