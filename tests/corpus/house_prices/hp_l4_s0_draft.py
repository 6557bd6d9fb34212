import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print("Train:", train.shape, "Test:", test.shape)

train_ids = train["Id"]
test_ids = test["Id"]
y = np.log1p(train["SalePrice"])

all_df = pd.concat([train.drop(["SalePrice"], axis=1), test], ignore_index=True)
all_df.drop("Id", axis=1, inplace=True)

# --- Missing values, using data_description.txt semantics ---
# NA means "feature not present" for these categoricals
none_cols = [
    "PoolQC", "MiscFeature", "Alley", "Fence", "FireplaceQu",
    "GarageType", "GarageFinish", "GarageQual", "GarageCond",
    "BsmtQual", "BsmtCond", "BsmtExposure", "BsmtFinType1", "BsmtFinType2",
    "MasVnrType",
]
for col in none_cols:
    all_df[col] = all_df[col].fillna("None")

# ...and zero area / count for the matching numeric columns
zero_cols = [
    "GarageYrBlt", "GarageArea", "GarageCars",
    "BsmtFinSF1", "BsmtFinSF2", "BsmtUnfSF", "TotalBsmtSF", "BsmtFullBath", "BsmtHalfBath",
    "MasVnrArea",
]
for col in zero_cols:
    all_df[col] = all_df[col].fillna(0)

# a handful of columns with very few NaNs: use the most frequent value
mode_cols = ["MSZoning", "Electrical", "KitchenQual", "Exterior1st", "Exterior2nd", "SaleType", "Functional", "Utilities"]
for col in mode_cols:
    all_df[col] = all_df[col].fillna(all_df[col].mode()[0])

all_df["LotFrontage"] = all_df["LotFrontage"].fillna(all_df["LotFrontage"].median())

print("Remaining missing values:", int(all_df.isnull().sum().sum()))

# --- Label-encode categoricals ---
cat_cols = all_df.select_dtypes(include="object").columns
for col in cat_cols:
    le = LabelEncoder()
    all_df[col] = le.fit_transform(all_df[col].astype(str))
print(f"Encoded {len(cat_cols)} categorical columns")

X = all_df.iloc[: len(train)]
X_test = all_df.iloc[len(train):]

X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.2, random_state=42)

gbr = GradientBoostingRegressor(
    n_estimators=200, learning_rate=0.1, max_depth=3, subsample=0.8, random_state=42
)
gbr.fit(X_train, y_train)
pred_valid = gbr.predict(X_valid)
rmse = np.sqrt(mean_squared_error(y_valid, pred_valid))
print(f"Validation RMSE: {rmse:.5f}")

gbr.fit(X, y)
pred_test = np.expm1(gbr.predict(X_test))
pd.DataFrame({"Id": test_ids, "SalePrice": pred_test}).to_csv("./working/submission.csv", index=False)
print("Done.")
