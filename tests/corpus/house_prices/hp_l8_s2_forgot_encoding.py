import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
print(train.shape, test.shape)

# Fill missing values, keep every column
train = train.fillna(train.median(numeric_only=True))
print("Remaining NaNs:", int(train.isna().sum().sum()))
train = train.fillna("missing")

X = train.drop(columns=["Id", "SalePrice"])
y = np.log(train["SalePrice"])
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)
print("Training on", X_train.shape[1], "features")

rf = RandomForestRegressor(n_estimators=50, random_state=0)
rf.fit(X_train, y_train)
print("RMSE:", np.sqrt(mean_squared_error(y_val, rf.predict(X_val))))
