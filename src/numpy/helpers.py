

def _check_names(arrays, accepted):
    """Rejects a keyword that is not an input, tangent or adjoint name."""
    unknown = sorted(set(arrays) - set(accepted))
    if unknown:
        raise TypeError(
            f"derivatives() got unexpected arguments {', '.join(unknown)}; "
            f"it takes {', '.join(accepted)}"
        )


def _scalar(arrays, key):
    """arrays[key], a float or any one-element array, as a numpy float."""
    if key not in arrays:
        raise TypeError(f"derivatives() needs the argument {key}=")
    value = numpy.asarray(arrays[key], dtype=float)
    if value.size != 1:
        raise ValueError(f"{key} is a scalar, but has shape {value.shape}")
    return value.reshape(())[()]


def _argument(arrays, sizes, key, rows, cols):
    """arrays[key] as a rows×cols float array.

    A dimension is an int, or a name that the first argument having it binds
    in `sizes` and later ones must match, or a product of these, `m*n`. A
    1-D array is a column (a row when rows is 1).
    """
    if key not in arrays:
        raise TypeError(f"derivatives() needs the argument {key}=")
    value = numpy.asarray(arrays[key], dtype=float)
    if value.ndim == 1 and 1 in (rows, cols):
        value = value.reshape((1, -1) if rows == 1 else (-1, 1))
    if value.ndim != 2:
        raise ValueError(f"{key} is {rows}×{cols}, but has shape {value.shape}")
    for dim, size in zip((rows, cols), value.shape):
        expected = _expected_size(sizes, dim, size)
        if size != expected:
            raise ValueError(
                f"{key} is {rows}×{cols} with {dim} = {expected}, "
                f"but has shape {value.shape}"
            )
    return value


def _expected_size(sizes, dim, size):
    """The size `dim` must have for an axis of `size`: an int is itself; a
    name is bound by the first axis having it; a product `m*n` is its
    factors' product once they are bound, else bound by its own name."""
    if not isinstance(dim, str):
        return dim
    factors = dim.split("*")
    if len(factors) > 1:
        total = 1
        for factor in factors:
            if factor.isdigit():
                total *= int(factor)
            elif factor in sizes:
                total *= sizes[factor]
            else:
                return sizes.setdefault(dim, size)
        return total
    return sizes.setdefault(dim, size)


def _result(value):
    """A float for a scalar, else a fresh 2-D array."""
    value = numpy.array(value, dtype=float)
    return float(value) if value.ndim == 0 else value


def _softmax(v):
    """exp(v) / sum(exp(v)), shifted by the largest entry so no exp overflows."""
    e = numpy.exp(v - numpy.max(v))
    return e / numpy.sum(e)
